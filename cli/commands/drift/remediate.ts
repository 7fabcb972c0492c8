import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { driftExitCode } from '../../exitCodes';
import { environmentFlag, repoFlag, serviceFlag, stackFlag } from '../../flags';

export default class DriftRemediate extends BaseCommand {
  static override summary = 'Put what runs back to the desired state: re-apply the drifted components of the service\'s last good release.';
  static override description =
    'Runs the remediateDrift workflow: it detects drift, then deploys the last good release through deployService (kind remediate): the same service lock, health gate, monitoring and release record as `deployer apply`, ' +
    're-applying only the drifted components (their spec is unchanged, and every apply refreshes first, so reality is put back). No approval: it restores what was approved. Then it checks again. ' +
    'Exit codes: 0 restored (or nothing drifted), 5 drift remains after remediation, 1 the remediation failed or was rolled back, or the service was never deployed there, 2 usage, 3 another deployment holds the lock.';
  static override examples = [
    '<%= config.bin %> drift remediate --service notification-service --environment production',
    '<%= config.bin %> drift remediate --service notification-service --environment development --reason "undo manual scale" --json',
  ];
  static override flags = {
    service: serviceFlag({ description: 'Service to restore.', required: true }),
    stack: stackFlag({ description: 'Stack of the service (default: from the deployment repo, else from its recorded deployments).' }),
    environment: environmentFlag({ required: true }),
    reason: Flags.string({ description: 'Why; recorded with the deployment.' }),
    repo: repoFlag({ description: 'Deployment repo root, to find the stack (optional).' }),
  };

  async run() {
    const { flags } = await this.parse(DriftRemediate);
    const { remediateDrift, withDriftTarget } = await import('../../drift');
    const { renderRemediation } = await import('../../render/drift');
    const { currentIdentity } = await import('../../identity');
    const { remediateNextSteps } = await import('../../nextSteps');
    return withDriftTarget(flags, async ({ client, namespace, root, stack, environment, service }) => {
      const input = { stack, environment, service, requestedBy: currentIdentity(process.env, root), reason: flags.reason };
      const { workflowId, result, durationMs } = await remediateDrift(client, input, {
        namespace,
        onStarted: (id) => this.logToStderr(`Remediating drift of ${service} in ${environment} (workflow ${id}); waiting for the deployment to finish...`),
      });
      this.log(renderRemediation({ ...result, durationMs }, { service, environment }));
      process.exitCode = driftExitCode(Boolean(result.after?.components.some((component) => component.status === 'drifted' || component.status === 'deleted')), false);
      return { workflowId, stack, environment, service, durationMs, ...result, nextSteps: remediateNextSteps(result, { service, environment }) };
    });
  }
}
