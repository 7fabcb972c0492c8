import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { componentFlags, findRepoRoot } from '../flags';

export default class Metrics extends BaseCommand {
  static override summary = 'Show a component\'s request, latency, resource and autoscaling metrics, checked against the rollback thresholds.';
  static override description =
    'Requests and latency are what the load balancer saw (5xx count as errors), cpu and memory are percent of the component\'s reservation (as ECS reports them). ' +
    'The last line says whether the window is within the environment\'s automatic-rollback thresholds (rollback.errorRatePercent and rollback.p99LatencyMs in environments/<env>.yaml), and names what is over them. ' +
    'Min/max replicas and target CPU come from the component\'s spec in the repo. ' +
    'Exit codes: 0 shown (also when over the thresholds), 1 the runtime is not running, the component is not deployed, or the environment\'s target cannot be observed here, 2 usage.';
  static override examples = [
    '<%= config.bin %> metrics --component notification-service/api --environment development',
    '<%= config.bin %> metrics --component notification-service/api --environment production --since 1h',
    '<%= config.bin %> metrics --component notification-service/api --environment production --since 24h --json',
  ];
  static override flags = {
    ...componentFlags,
    since: Flags.string({ description: 'The window: from this long ago (30m, 1h, 24h) or this ISO 8601 time.', default: '1h' }),
  };

  async run() {
    const { flags } = await this.parse(Metrics);
    const { deployedState, observerFor, observing, parseSince, readAutoscaling, resolveComponentTarget } = await import('../observe');
    const { metricsVerdict, renderMetrics } = await import('../render/metrics');
    const window = parseSince(flags.since);
    const root = findRepoRoot(flags.repo);
    const { ref, environment } = resolveComponentTarget({ root, component: flags.component, environment: flags.environment, stack: flags.stack });
    const observer = await observerFor(environment);
    const state = await deployedState(observer, ref);
    const metrics = await observing(ref, () => observer.metrics(ref, window.since));
    const autoscaling = state.kind === 'MicroService' ? readAutoscaling(root, ref) : undefined;
    const thresholds = { errorRatePercent: environment.rollback.errorRatePercent, p99LatencyMs: environment.rollback.p99LatencyMs };
    const component = `${ref.service}/${ref.component}`;
    this.log(renderMetrics({ component, environment: ref.environment, kind: state.kind, window: window.label, metrics, autoscaling, thresholds }));
    return { ...ref, kind: state.kind, window: window.label, ...metrics, ...(autoscaling ? { autoscaling } : {}), thresholds, verdict: metricsVerdict(metrics, thresholds) };
  }
}
