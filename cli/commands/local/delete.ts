import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { componentFlag, environmentFlag, findRepoRoot, repoFlag, stackFlag } from '../../flags';

export default class LocalDelete extends BaseCommand {
  static override summary = 'Delete a local component behind deployer\'s back, as someone deleting it in the AWS console would: an out-of-band change, to show drift.';
  static override description =
    'An out-of-band change: the local runtime stops the component\'s processes and forgets it at once (a database, cache or queue loses its data, so those need --force), ' +
    'but the deployment repo, deployer\'s release and Pulumi\'s state still say it exists, so `deployer drift detect` reports it as high severity and `deployer drift remediate` recreates it. ' +
    'Only environments whose target is local; the runtime (`deployer dev start`) must be running. ' +
    'Exit codes: 0 deleted, 1 the runtime is not running or the component does not run there, 2 usage (unknown names, not a local environment, data component without --force).';
  static override examples = [
    '<%= config.bin %> local delete --component notification-service/api --environment development',
    '<%= config.bin %> local delete --component notification-service/cache --environment development --force --json',
  ];
  static override flags = {
    repo: repoFlag(),
    component: componentFlag({ description: 'The component to delete, as <service>/<component>.', required: true }),
    environment: environmentFlag({ description: 'Environment (its target must be local).', required: true }),
    stack: stackFlag(),
    force: Flags.boolean({ description: 'Also delete a database, cache or queue (their data goes with them).', default: false }),
  };

  async run() {
    const { flags } = await this.parse(LocalDelete);
    const { deleteComponent, renderDelete, resolveDeleteTarget } = await import('../../localDelete');
    const { currentIdentity } = await import('../../identity');
    const root = findRepoRoot(flags.repo);
    const target = resolveDeleteTarget({ root, component: flags.component, environment: flags.environment, stack: flags.stack });
    const outcome = await deleteComponent(target, currentIdentity(process.env, root), { force: flags.force });
    this.log(renderDelete(outcome));
    return { ...outcome.ref, kind: outcome.kind, deleted: true, by: outcome.actor };
  }
}
