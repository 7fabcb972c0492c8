import { BaseCommand } from '../../baseCommand';
import { environmentFlag, serviceFlag, stackFlag } from '../../flags';

export default class StateLocks extends BaseCommand {
  static override summary = 'Show who holds which service lock in a stack and environment.';
  static override description =
    'A service\'s lock is its running deployment (the deployService workflow deploy/<stack>/<environment>/<service>). For each: the service, who started it, since when, ' +
    'its phase (from the workflow itself when it answers within 2 s, else its last recorded status), the workflow id and a Temporal UI link ' +
    '(DEPLOYER_TEMPORAL_UI or temporal.uiUrl in the config file; the local dev server\'s UI when that is the server). JSON: the array of locks. Exit codes: 0 (with or without locks), 1 Temporal unreachable, 2 usage.';
  static override examples = [
    '<%= config.bin %> state locks --stack user-platform --environment production',
    '<%= config.bin %> state locks --stack user-platform --environment production --service notification-service --json',
  ];
  static override flags = {
    stack: stackFlag({ description: 'Stack.', required: true }),
    environment: environmentFlag({ required: true }),
    service: serviceFlag({ description: 'Only this service\'s lock.' }),
  };

  async run() {
    const { flags } = await this.parse(StateLocks);
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { checkName, listLocks } = await import('../../locks');
    const { renderLocks } = await import('../../render/locks');
    const { connectTemporal } = await import('../../temporalClient');
    const { temporalUiUrl } = await import('../../temporalUi');
    const scope = { stack: checkName('stack', flags.stack), environment: checkName('environment', flags.environment), service: flags.service === undefined ? undefined : checkName('service', flags.service) };
    const { client, settings, close } = await connectTemporal(flags);
    try {
      const locks = await listLocks(client, scope, { namespace: settings.namespace, uiUrl: temporalUiUrl(settings) });
      this.log(renderLocks(locks, scope, new Date()));
      return locks;
    } finally {
      await close();
    }
  }
}
