import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { componentFlag, environmentFlag, repoFlag, serviceFlag, stackFlag } from '../../flags';

export default class DriftAcknowledge extends BaseCommand {
  static override summary = 'Accept what runs as desired: write the actual values into the deployment repo\'s YAML and show the diff to commit.';
  static override description =
    'Detects the service\'s drift (through the worker, as drift detect does), then edits this checkout where each drifted field\'s value is written for the environment: ' +
    'in its overrides.<environment> block when it has one, else a new overrides.<environment> entry in the same file (a value shared by every environment is never changed for the others). ' +
    'Comments and formatting stay as they were; the unified diff is printed. Commit it and deploy it with `deployer apply`: until then drift is still reported. ' +
    'Secrets, valueFrom variables, config files and deleted components cannot be acknowledged (the output says what to do instead). ' +
    'Exit codes: 0 acknowledged (or nothing drifted), 1 nothing could be acknowledged, the service was never deployed there, no worker runs or Temporal is unreachable, 2 usage.';
  static override examples = [
    '<%= config.bin %> drift acknowledge --service notification-service --environment production',
    '<%= config.bin %> drift acknowledge --service notification-service --environment production --component api --field replicas',
  ];
  static override flags = {
    service: serviceFlag({ description: 'Service whose drift to accept.', required: true }),
    stack: stackFlag({ description: 'Stack of the service (default: the only stack of the repo that has it).' }),
    environment: environmentFlag({ required: true }),
    component: componentFlag({ description: 'Only this component (default: every drifted one).' }),
    field: Flags.string({ description: 'Only this field (repeatable; default: every drifted one).', multiple: true, default: [] }),
    repo: repoFlag(),
  };

  async run() {
    const { flags } = await this.parse(DriftAcknowledge);
    const { detectDrift } = await import('../../drift');
    const { acknowledgeDrift, renderAcknowledge } = await import('../../driftAcknowledge');
    const { findRepoRoot } = await import('../../flags');
    const { findServiceStack } = await import('../../../src/client/locate');
    const { checkName } = await import('../../locks');
    const { connectTemporal } = await import('../../temporalClient');
    const { currentIdentity } = await import('../../identity');
    const environment = checkName('environment', flags.environment);
    const service = checkName('service', flags.service);
    const root = findRepoRoot(flags.repo);
    const stack = findServiceStack(root, service, flags.stack);
    const temporal = await connectTemporal(flags);
    let detected;
    try {
      detected = await detectDrift(
        temporal.client,
        { stack, environment, service, trigger: 'cli', requestedBy: currentIdentity(process.env, root) },
        { namespace: temporal.settings.namespace, onStarted: (id) => this.logToStderr(`Checking ${service} in ${environment} for drift (workflow ${id})...`) },
      );
    } finally {
      await temporal.close();
    }
    const report = detected.result.services[0]!;
    const request = { root, stack, service, environment, component: flags.component, fields: flags.field };
    const outcome = acknowledgeDrift(request, report);
    this.log(renderAcknowledge(request, outcome, report));
    return {
      stack,
      environment,
      service,
      workflowId: detected.workflowId,
      acknowledged: outcome.acknowledged,
      skipped: outcome.skipped,
      files: outcome.edits.map((edit) => ({ file: edit.file, diff: edit.diff })),
    };
  }
}
