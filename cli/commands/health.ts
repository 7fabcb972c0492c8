import { BaseCommand } from '../baseCommand';
import { componentFlags, findRepoRoot } from '../flags';
import { EXIT } from '../exitCodes';

export default class Health extends BaseCommand {
  static override summary = 'Check a component\'s health: each replica\'s state, version, restarts and recent health checks.';
  static override description =
    'A MicroService is healthy when every desired replica passes its health check; a database, cache or queue when its process answers. ' +
    'Exit codes: 0 healthy, 1 unhealthy (or the runtime is not running, the component is not deployed, or the environment\'s target cannot be observed here), 2 usage.';
  static override examples = [
    '<%= config.bin %> health --component notification-service/api --environment production',
    '<%= config.bin %> health --component notification-service/database --environment staging --json',
  ];
  static override flags = componentFlags;

  async run() {
    const { flags } = await this.parse(Health);
    const { deployedState, observerFor, observing, resolveComponentTarget } = await import('../observe');
    const { renderHealth } = await import('../render/health');
    const root = findRepoRoot(flags.repo);
    const { ref, environment } = resolveComponentTarget({ root, component: flags.component, environment: flags.environment, stack: flags.stack });
    const observer = await observerFor(environment);
    await deployedState(observer, ref);
    const health = await observing(ref, () => observer.health(ref));
    this.log(renderHealth(`${ref.service}/${ref.component}`, ref.environment, health));
    if (!health.healthy) process.exitCode = EXIT.failure;
    return { ...ref, ...health };
  }
}
