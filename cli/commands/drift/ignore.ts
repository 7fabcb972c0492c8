import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { componentFlag, environmentFlag, repoFlag, serviceFlag, stackFlag } from '../../flags';

export default class DriftIgnore extends BaseCommand {
  static override summary = 'Stop reporting drift of one field of a component, optionally until a date.';
  static override description =
    'Stores the rule with the service\'s drift state in the worker (through the ignoreDrift workflow): drift detect leaves the field out of its reports and notifications, and lists it only with --show-ignored. ' +
    'A field name also covers what is under it (--field environment ignores every environment variable). --until takes a date (2026-03-01: until that day starts, UTC), a time, or a duration (7d). --remove deletes the rule. ' +
    'A deleted component cannot be ignored: remediate it, or remove it from the deployment repo. ' +
    'Exit codes: 0 done, 1 no worker runs or Temporal is unreachable, 2 usage (unknown component or field, bad --until).';
  static override examples = [
    '<%= config.bin %> drift ignore --service notification-service --environment production --component api --field replicas --until 2026-03-01 --reason "load test this week"',
    '<%= config.bin %> drift ignore --service notification-service --environment production --component api --field replicas --remove',
  ];
  static override flags = {
    service: serviceFlag({ description: 'Service of the component.', required: true }),
    stack: stackFlag({ description: 'Stack of the service (default: from the deployment repo, else from its recorded deployments).' }),
    environment: environmentFlag({ required: true }),
    component: componentFlag({ description: 'Component, as named in the service (api) or as <service>/<component>.', required: true }),
    field: Flags.string({ description: 'Field as drift reports name it: replicas, cpu, memory, image, environment.LOG_LEVEL, ...', required: true }),
    until: Flags.string({ description: 'Ignore only until then: 2026-03-01, 2026-03-01T09:00:00Z or a duration such as 7d.' }),
    reason: Flags.string({ description: 'Why; shown with --show-ignored.' }),
    remove: Flags.boolean({ description: 'Remove the rule: report the field again.', default: false }),
    repo: repoFlag({ description: 'Deployment repo root, to find the stack and check the component (optional).' }),
  };

  async run() {
    const { flags } = await this.parse(DriftIgnore);
    const { ignoreDrift, withDriftTarget } = await import('../../drift');
    const { checkIgnoreTarget, renderIgnore } = await import('../../driftIgnore');
    const { currentIdentity } = await import('../../identity');
    return withDriftTarget(flags, async ({ client, namespace, root, stack, environment, service }) => {
      const target = checkIgnoreTarget({ root, stack, service, environment, component: flags.component, field: flags.field, until: flags.until, now: new Date() });
      const input = { stack, environment, service, component: target.component, field: target.field, until: target.until, reason: flags.reason, by: currentIdentity(process.env, root), remove: flags.remove };
      const { workflowId, result } = await ignoreDrift(client, input, { namespace });
      this.log(renderIgnore(input, result));
      return { workflowId, ...input, ...result };
    });
  }
}
