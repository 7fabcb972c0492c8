import { renderMetrics } from '../../cli/render/metrics';
import { countQueries, loadBalancerDimension, metricPeriod, MetricsSource, percentileQueries, summarizeMetrics, targetGroupDimension } from '../../src/targets/aws/cloudWatchMetrics';

const source: MetricsSource = {
  clusterName: 'platform',
  serviceName: 'user-platform-production-notification-service-api',
  targetGroups: [{ loadBalancer: 'app/shared-alb/50dc6c495c0c9188', targetGroup: 'targetgroup/user-platform-production-not-1a2b3c4d/73e2d6bc24d8a067' }],
};
const since = new Date('2026-01-15T13:30:00Z');
const until = new Date('2026-01-15T14:30:00Z');
const replicas = { current: 5, desired: 5, healthy: 5 };

describe('CloudWatch dimensions from ARNs', () => {
  it('takes TargetGroup from a target group ARN', () => {
    expect(targetGroupDimension('arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/my-tg/73e2d6bc24d8a067')).toBe('targetgroup/my-tg/73e2d6bc24d8a067');
    expect(targetGroupDimension('not-an-arn')).toBeUndefined();
  });

  it('takes LoadBalancer from the ALB ARN or from one of its listeners', () => {
    expect(loadBalancerDimension('arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared-alb/50dc6c495c0c9188')).toBe('app/shared-alb/50dc6c495c0c9188');
    expect(loadBalancerDimension('arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared-alb/50dc6c495c0c9188/f2f7dc8efc522ab2')).toBe('app/shared-alb/50dc6c495c0c9188');
    expect(loadBalancerDimension('arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/my-tg/73e2d6bc24d8a067')).toBeUndefined();
  });
});

describe('GetMetricData queries', () => {
  it('uses one period for the whole window, in whole minutes, coarser where CloudWatch keeps only coarser data', () => {
    expect(metricPeriod(since, until)).toBe(3600);
    expect(metricPeriod(new Date(until.getTime() - 90_000), until)).toBe(120);
    expect(metricPeriod(new Date(until.getTime() - 10_000), until)).toBe(60);
    expect(metricPeriod(new Date(until.getTime() - 20 * 86_400_000 - 1000), until) % 300).toBe(0);
    expect(metricPeriod(new Date(until.getTime() - 90 * 86_400_000 - 1000), until) % 3600).toBe(0);
  });

  it('asks the ALB per target group and ECS per service, with the right dimensions and statistics', () => {
    const queries = countQueries(source, 3600);
    const summary = queries.map((query) => [query.Id, query.MetricStat?.Metric?.Namespace, query.MetricStat?.Metric?.MetricName, query.MetricStat?.Stat]);
    expect(summary).toEqual([
      ['requests_0', 'AWS/ApplicationELB', 'RequestCount', 'Sum'],
      ['target5xx_0', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum'],
      ['latencymax_0', 'AWS/ApplicationELB', 'TargetResponseTime', 'Maximum'],
      ['cpuavg', 'AWS/ECS', 'CPUUtilization', 'Average'],
      ['cpumax', 'AWS/ECS', 'CPUUtilization', 'Maximum'],
      ['memavg', 'AWS/ECS', 'MemoryUtilization', 'Average'],
      ['memmax', 'AWS/ECS', 'MemoryUtilization', 'Maximum'],
    ]);
    expect(queries[0]!.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'TargetGroup', Value: 'targetgroup/user-platform-production-not-1a2b3c4d/73e2d6bc24d8a067' },
      { Name: 'LoadBalancer', Value: 'app/shared-alb/50dc6c495c0c9188' },
    ]);
    expect(queries[4]!.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'ClusterName', Value: 'platform' },
      { Name: 'ServiceName', Value: 'user-platform-production-notification-service-api' },
    ]);
    expect(queries.every((query) => query.MetricStat?.Period === 3600 && /^[a-z][a-zA-Z0-9_]*$/.test(query.Id!))).toBe(true);
    // Percentiles never share a request with the counts.
    expect(queries.some((query) => /^p\d/.test(query.MetricStat?.Stat ?? ''))).toBe(false);
  });

  it('asks for response-time percentiles on their own', () => {
    expect(percentileQueries(source, 3600).map((query) => [query.Id, query.MetricStat?.Metric?.MetricName, query.MetricStat?.Stat])).toEqual([
      ['p50_0', 'TargetResponseTime', 'p50'],
      ['p95_0', 'TargetResponseTime', 'p95'],
      ['p99_0', 'TargetResponseTime', 'p99'],
    ]);
    expect(percentileQueries({ ...source, targetGroups: [] }, 60)).toEqual([]);
  });
});

describe('summarizeMetrics', () => {
  const counts = new Map<string, number[]>([
    ['requests_0', [125_400]],
    ['target5xx_0', [20]],
    ['latencymax_0', [1.243]],
    ['cpuavg', [45.123]],
    ['cpumax', [78]],
    ['memavg', [62]],
    ['memmax', [85.5]],
  ]);
  const percentiles = new Map<string, number[]>([
    ['p50_0', [0.045]],
    ['p95_0', [0.156]],
    ['p99_0', [0.32]],
  ]);

  it('gives requests, error rate (the targets\' 5xx), latency in ms and resources in the local runtime shape', () => {
    expect(summarizeMetrics({ source, counts, percentiles, replicas, since, until })).toEqual({
      since: '2026-01-15T13:30:00.000Z',
      until: '2026-01-15T14:30:00.000Z',
      requests: { total: 125_400, success: 125_380, errors: 20, successRatePercent: 99.98, errorRatePercent: 0.02 },
      latencyMs: { p50: 45, p95: 156, p99: 320, max: 1243 },
      resources: { cpuPercent: { avg: 45.12, max: 78 }, memoryPercent: { avg: 62, max: 85.5 } },
      replicas,
    });
  });

  it('adds up a window split over two periods, and takes the larger of maxima and percentiles', () => {
    const split = new Map<string, number[]>([...counts, ['requests_0', [100, 60]], ['target5xx_0', [4, 4]], ['latencymax_0', [0.5, 2]], ['cpumax', [70, 90]]]);
    const metrics = summarizeMetrics({ source, counts: split, percentiles: new Map([['p99_0', [0.2, 0.8]]]), replicas, since, until });
    expect(metrics.requests).toEqual({ total: 160, success: 152, errors: 8, successRatePercent: 95, errorRatePercent: 5 });
    expect(metrics.latencyMs).toEqual({ p50: 0, p95: 0, p99: 800, max: 2000 });
    expect(metrics.resources.cpuPercent.max).toBe(90);
  });

  it('reads an idle window as no requests, 100 % success', () => {
    const idle = summarizeMetrics({ source, counts: new Map(), percentiles: new Map(), replicas, since, until });
    expect(idle.requests).toEqual({ total: 0, success: 0, errors: 0, successRatePercent: 100, errorRatePercent: 0 });
    expect(idle.latencyUnavailable).toBeUndefined();
  });

  it('keeps the counts when the percentiles could not be read, and says why', () => {
    const metrics = summarizeMetrics({ source, counts, percentiles: { error: 'Internal Server Error' }, replicas, since, until });
    expect(metrics.requests.total).toBe(125_400);
    expect(metrics.latencyMs).toEqual({ p50: 0, p95: 0, p99: 0, max: 1243 });
    expect(metrics.latencyUnavailable).toBe('response-time percentiles could not be read from CloudWatch: Internal Server Error');
  });
});

describe('the metrics box without percentiles', () => {
  it('shows the percentiles as unavailable with the reason, and the max it has', () => {
    const metrics = summarizeMetrics({ source, counts: new Map([['requests_0', [100]], ['latencymax_0', [0.25]]]), percentiles: { error: 'Internal Server Error' }, replicas, since, until });
    const box = renderMetrics({ component: 'notification-service/api', environment: 'production', kind: 'MicroService', window: 'last 1 hour', metrics, thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 } });
    expect(box).toMatch(/P99: +unavailable/);
    expect(box).toMatch(/Max: +250ms/);
    expect(box).toContain('response-time percentiles could not be read from');
    expect(box).toContain('✓ All metrics within normal range');
  });
});
