import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { environmentFlag, repoFlag, serviceFlag, stackFlag } from '../../flags';

export default class DriftDetect extends BaseCommand {
  static override summary = 'Check whether what runs still matches what deployer deployed: field by field, with severity and likely cause.';
  static override description =
    'Runs the detectDrift workflow in the deployer worker: a refresh preview of every component of the service\'s last good release (nothing changes), compared field by field with that release\'s spec. ' +
    'Only fields you wrote count (not outputs or the engine\'s own records); ignored fields are left out unless --show-ignored. New findings are notified once. ' +
    'No checkout of the deployment repo is needed: the stack is --stack, else the repo\'s, else the one the service\'s deployments were recorded under. ' +
    'Exit codes: 0 no drift, 5 drift found, 1 a component could not be checked, the service was never deployed there, no worker runs or Temporal is unreachable, 2 usage.';
  static override examples = [
    '<%= config.bin %> drift detect --service notification-service --environment production',
    '<%= config.bin %> drift detect --stack user-platform --environment development --show-ignored',
    '<%= config.bin %> drift detect --service notification-service --environment staging --json',
  ];
  static override flags = {
    service: serviceFlag({ description: 'Service to check (default with --stack: every service deployed there).' }),
    stack: stackFlag({ description: 'Stack of the service (default: from the deployment repo, else from its recorded deployments).' }),
    environment: environmentFlag({ description: 'Environment to check.', required: true }),
    'show-ignored': Flags.boolean({ description: 'Also list the ignore rules and the ignored fields that differ now.', default: false }),
    repo: repoFlag({ description: 'Deployment repo root, to find the stack (optional).' }),
  };

  async run() {
    const { flags } = await this.parse(DriftDetect);
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { detectDrift, detectExitCode, withDriftTarget } = await import('../../drift');
    const { renderDetection } = await import('../../render/drift');
    const { currentIdentity } = await import('../../identity');
    const { driftNextSteps } = await import('../../nextSteps');
    return withDriftTarget(flags, async ({ client, namespace, root, stack, environment, service }) => {
      const { workflowId, result } = await detectDrift(
        client,
        { stack, environment, service, trigger: 'cli', requestedBy: currentIdentity(process.env, root), showIgnored: flags['show-ignored'] },
        { namespace, onStarted: (id) => this.logToStderr(`Checking ${service ?? `every service of ${stack}`} in ${environment} for drift (workflow ${id})...`) },
      );
      this.log(renderDetection(result, { showIgnored: flags['show-ignored'] }));
      process.exitCode = detectExitCode(result);
      return { workflowId, ...result, nextSteps: driftNextSteps(result) };
    });
  }
}
