import { Flags } from '@oclif/core';
import type { DeployServiceResult } from '../../src/temporal/deployment';
import { BaseCommand } from '../baseCommand';
import { DeployerError, rootCause } from '../../src/errors';
import { deploymentExitCode } from '../exitCodes';
import { environmentFlag, serviceFlag, stackFlag } from '../flags';
import { resultThroughOutages } from '../../src/temporal/workflowResult';

export default class Decommission extends BaseCommand {
  static override summary = 'Remove every component of a service from an environment, on purpose (its databases and queues too).';
  static override description =
    'Starts the decommissionService workflow: it takes what runs from the release history (so the service may already be gone from the repo) and removes it through deployService: ' +
    'the same service lock, approval where the environment requires it (the request is signed as for apply), and a release record that says nothing runs any more. ' +
    'A whole-stack apply refuses while a service deployed in the environment is missing from the repo; this is how it is removed. ' +
    'Data in its databases, caches and queues is deleted: --confirm must repeat the service name. ' +
    'Exit codes: 0 decommissioned, 1 nothing to remove or the removal failed (what it removed is restored), 2 usage, 3 another deployment of the service holds its lock, 4 rejected or not approved in time.';
  static override examples = ['<%= config.bin %> decommission --stack user-platform --service legacy-mailer --environment staging --confirm legacy-mailer --reason "replaced by notification-service"'];
  static override flags = {
    service: serviceFlag({ description: 'Service to remove.', required: true }),
    environment: environmentFlag({ description: 'Environment to remove it from.', required: true }),
    stack: stackFlag({ description: 'Stack of the service (default: the one its deployments were recorded under).' }),
    confirm: Flags.string({ description: 'The service name again: its data goes with it.', required: true }),
    reason: Flags.string({ description: 'Why; recorded with the release and in the notifications.' }),
  };

  async run() {
    const { flags } = await this.parse(Decommission);
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { checkName } = await import('../locks');
    const { assertNotLocked, stackFromDeployments, watchForApproval } = await import('../rollback');
    const { startDecommission } = await import('../decommission');
    const { connectTemporal } = await import('../temporalClient');
    const { currentIdentity } = await import('../identity');
    const service = checkName('service', flags.service);
    const environment = checkName('environment', flags.environment);
    if (flags.confirm !== service) throw new DeployerError(`--confirm must repeat the service name (${service}): decommissioning deletes its data too`, 'CONFIRMATION_REQUIRED');
    const requestedBy = currentIdentity(process.env);
    const { client, close } = await connectTemporal(flags);
    try {
      const stack = flags.stack === undefined ? await stackFromDeployments(client, service, environment) : checkName('stack', flags.stack);
      const request = { stack, environment, service, requestedBy, reason: flags.reason };
      await assertNotLocked(client, request);
      const handle = await startDecommission(client, request);
      this.logToStderr(`Decommissioning ${service} in ${environment} (workflow ${handle.workflowId})…`);
      const ended = resultThroughOutages<DeployServiceResult>(handle);
      void watchForApproval(client, request, ended, (progress) =>
        this.logToStderr(`${environment} requires approval: waiting for ${progress.approval.approvers.join(', ')}. An approver runs: deployer approve --service ${service} --environment ${environment}`),
      );
      const { decommissionOutcome } = await import('../decommission');
      const result = (await ended.catch((error: unknown) => Promise.reject(decommissionError(error)))) as DeployServiceResult;
      this.log(decommissionOutcome(result));
      process.exitCode = deploymentExitCode(result.phase);
      return result;
    } finally {
      await close();
    }
  }
}

/** The workflow's own refusal (nothing to remove) as the user's error. */
function decommissionError(error: unknown): unknown {
  const cause = rootCause(error);
  return cause.type === 'NothingToDecommission' ? new DeployerError(cause.message, 'NOTHING_TO_DECOMMISSION') : error;
}
