import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { allowReplaceFlag, checkAllowReplaceOf } from '../allowReplace';
import { environmentFlag, repoFlag, serviceFlag, stackFlag } from '../flags';

export default class Rollback extends BaseCommand {
  static override summary = 'Roll a service back to its previous good release, or to a named version.';
  static override description =
    'Starts the rollbackService workflow: it takes the release to return to from the release history (the last successful one before the current, or --to-version), with the components, service and environment settings recorded then, ' +
    'and deploys it through deployService: the same service lock, health gate and records as `deployer apply`, and no checkout of the deployment repo needed. ' +
    'The stack is --stack, else the one that holds the service in the deployment repo here, else the one its deployments were recorded under. ' +
    'Exit codes: 0 rolled back (or already on that release), 1 no such earlier release or the rollback deployment failed, 2 usage, 3 another deployment of the service holds its lock.';
  static override examples = [
    '<%= config.bin %> rollback --service notification-service --environment production',
    '<%= config.bin %> rollback --service notification-service --environment production --to-version v1.1.0 --reason "error rate after v1.2.0"',
    '<%= config.bin %> rollback --service notification-service --environment staging --no-wait --json',
  ];
  static override flags = {
    service: serviceFlag({ description: 'Service to roll back.', required: true }),
    environment: environmentFlag({ description: 'Environment to roll back in.', required: true }),
    stack: stackFlag({ description: 'Stack of the service (default: from the deployment repo, else from its recorded deployments).' }),
    'to-version': Flags.string({ description: 'Version to return to (a successful release in the history); default: the one before the current.' }),
    reason: Flags.string({ description: 'Why; recorded with the release and in the notifications.' }),
    'no-wait': Flags.boolean({ description: 'Start the rollback, print its workflow id and return instead of waiting for it.', default: false }),
    'allow-replace': allowReplaceFlag,
    repo: repoFlag(),
  };

  async run() {
    const { flags } = await this.parse(Rollback);
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { checkName } = await import('../locks');
    const { assertNotLocked, awaitRollback, startRollback, stackFromDeployments } = await import('../rollback');
    const { renderRollback, renderRollbackStarted, rollbackWaiting } = await import('../render/rollback');
    const { connectTemporal } = await import('../temporalClient');
    const { temporalUiUrl, workflowUrl } = await import('../temporalUi');
    const { currentIdentity } = await import('../identity');
    const { followNextSteps } = await import('../nextSteps');
    const { Client } = await import('@temporalio/client');

    const service = checkName('service', flags.service);
    const environment = checkName('environment', flags.environment);
    const repoStack = await stackFromRepo(flags.repo, service, flags.stack === undefined ? undefined : checkName('stack', flags.stack));
    const requestedBy = currentIdentity(process.env);
    const { client: plain, settings, close } = await connectTemporal(flags);
    try {
      // The user's identity on the client too, so the workflow history says who started it.
      const client = new Client({ connection: plain.connection, namespace: settings.namespace, identity: requestedBy });
      const stack = repoStack ?? flags.stack ?? (await stackFromDeployments(client, service, environment));
      const request = { stack, environment, service, requestedBy, toVersion: flags['to-version'], reason: flags.reason, allowReplace: checkAllowReplaceOf(flags['allow-replace'], service) };
      await assertNotLocked(client, request);
      const handle = await startRollback(client, request);
      const url = workflowUrl(temporalUiUrl(settings), settings.namespace, handle.workflowId);
      if (flags['no-wait']) {
        this.log(renderRollbackStarted(request, handle.workflowId, url));
        return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, stack, environment, service, toVersion: request.toVersion, requestedBy, url, nextSteps: followNextSteps({ service, environment }) };
      }
      this.logToStderr(rollbackWaiting(request, handle.workflowId));
      const outcome = await awaitRollback(client, handle, request, url, (progress) =>
        this.logToStderr(`${environment} requires approval to roll back: waiting for ${progress.approval.approvers.join(', ')}. An approver runs: deployer approve --service ${service} --environment ${environment}`),
      );
      this.log(renderRollback(outcome));
      return outcome;
    } finally {
      await close();
    }
  }
}

/** The service's stack from the deployment repo, when there is one here; undefined without a repo. */
async function stackFromRepo(repo: string | undefined, service: string, stack: string | undefined): Promise<string | undefined> {
  const { findRepoRoot } = await import('../flags');
  const { findServiceStack } = await import('../../src/client/locate');
  const { DeployerError } = await import('../../src/errors');
  let root: string;
  try {
    root = findRepoRoot(repo);
  } catch (error) {
    if (error instanceof DeployerError && error.code === 'NO_REPO') return undefined;
    throw error;
  }
  return findServiceStack(root, service, stack);
}
