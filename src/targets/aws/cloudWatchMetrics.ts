import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { ComponentMetrics, requestFigures, round2 } from '../local/api';

/** Where a MicroService's metrics live: its ECS service, and its target group(s) on the ALB. */
export interface MetricsSource {
  clusterName: string;
  serviceName: string;
  /** CloudWatch's dimension values (`app/<alb>/<id>`, `targetgroup/<name>/<id>`), one pair per target group. */
  targetGroups: { loadBalancer: string; targetGroup: string }[];
}

export interface ReplicaCounts {
  current: number;
  desired: number;
  healthy: number;
}

/** `arn:…:targetgroup/<name>/<id>` -> `targetgroup/<name>/<id>`, the TargetGroup dimension. */
export function targetGroupDimension(targetGroupArn: string): string | undefined {
  return /:(targetgroup\/[^/]+\/[^/]+)$/.exec(targetGroupArn)?.[1];
}

/**
 * The LoadBalancer dimension (`app/<name>/<id>`) from the ALB's own ARN
 * (`…:loadbalancer/app/<name>/<id>`) or from one of its listeners' (`…:listener/app/<name>/<id>/<listener id>`).
 */
export function loadBalancerDimension(arn: string): string | undefined {
  return /:(?:loadbalancer|listener)\/(app\/[^/]+\/[^/]+)(?:\/[^/]+)?$/.exec(arn)?.[1];
}

// CloudWatch keeps 1-minute data for 15 days, 5-minute data for 63 days, hourly data beyond: a period
// must be a multiple of what is still kept at the window's start.
const DAY_MS = 86_400_000;

/**
 * One period spanning the whole window, so each statistic comes back as one figure for the window:
 * a p99 over the window is not derivable from per-minute p99s.
 */
export function metricPeriod(since: Date, until: Date): number {
  const age = until.getTime() - since.getTime();
  const granularity = age > 63 * DAY_MS ? 3600 : age > 15 * DAY_MS ? 300 : 60;
  return Math.max(granularity, Math.ceil(age / 1000 / granularity) * granularity);
}

type Stat = 'Sum' | 'Average' | 'Maximum' | 'p50' | 'p95' | 'p99';

function query(id: string, namespace: string, metricName: string, dimensions: Record<string, string>, stat: Stat, period: number): MetricDataQuery {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) }, Period: period, Stat: stat },
    ReturnData: true,
  };
}

function albDimensions(pair: MetricsSource['targetGroups'][number]): Record<string, string> {
  return { TargetGroup: pair.targetGroup, LoadBalancer: pair.loadBalancer };
}

/**
 * Counts, averages and maxima: requests and the targets' 5xx per target group (the ALB is shared by
 * every service, so load-balancer-wide figures would count other services' traffic), response time's
 * maximum, and the ECS service's cpu and memory. The ALB's own 5xx (no healthy target) exist only
 * per load balancer: the health check, not the error rate, catches a service without healthy targets.
 */
export function countQueries(source: MetricsSource, period: number): MetricDataQuery[] {
  const ecs = { ClusterName: source.clusterName, ServiceName: source.serviceName };
  return [
    ...source.targetGroups.flatMap((pair, index) => [
      query(`requests_${index}`, 'AWS/ApplicationELB', 'RequestCount', albDimensions(pair), 'Sum', period),
      query(`target5xx_${index}`, 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', albDimensions(pair), 'Sum', period),
      query(`latencymax_${index}`, 'AWS/ApplicationELB', 'TargetResponseTime', albDimensions(pair), 'Maximum', period),
    ]),
    query('cpuavg', 'AWS/ECS', 'CPUUtilization', ecs, 'Average', period),
    query('cpumax', 'AWS/ECS', 'CPUUtilization', ecs, 'Maximum', period),
    query('memavg', 'AWS/ECS', 'MemoryUtilization', ecs, 'Average', period),
    query('memmax', 'AWS/ECS', 'MemoryUtilization', ecs, 'Maximum', period),
  ];
}

/** Response-time percentiles, asked for on their own: an endpoint that cannot compute them must not cost the counts. */
export function percentileQueries(source: MetricsSource, period: number): MetricDataQuery[] {
  return source.targetGroups.flatMap((pair, index) => (['p50', 'p95', 'p99'] as const).map((stat) => query(`${stat}_${index}`, 'AWS/ApplicationELB', 'TargetResponseTime', albDimensions(pair), stat, period)));
}

/** GetMetricData across its pages, each query's values gathered under its id. */
export async function getMetricData(client: CloudWatchClient, queries: MetricDataQuery[], since: Date, until: Date): Promise<Map<string, number[]>> {
  const values = new Map<string, number[]>();
  if (queries.length === 0) return values;
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: since, EndTime: until, ...(nextToken ? { NextToken: nextToken } : {}) }));
    for (const result of page.MetricDataResults ?? []) addValues(values, result);
    nextToken = page.NextToken;
  } while (nextToken);
  return values;
}

function addValues(values: Map<string, number[]>, result: MetricDataResult): void {
  if (!result.Id) return;
  values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
}

// A window normally comes back as one value per query; should the period boundaries split it in
// two, sums add up, maxima take the larger, averages and percentiles the larger too (an upper bound,
// the safe side for a rollback threshold).
const sum = (values: number[] | undefined) => (values ?? []).reduce((total, value) => total + value, 0);
const max = (values: number[] | undefined) => (values?.length ? Math.max(...values) : 0);
const msFromSeconds = (value: number) => round2(value * 1000);

function perTargetGroup(values: Map<string, number[]>, prefix: string, count: number, combine: (values: number[] | undefined) => number): number[] {
  return Array.from({ length: count }, (_, index) => combine(values.get(`${prefix}_${index}`)));
}

/**
 * The window's figures in the local runtime's shape. `percentiles` is what the percentile request
 * returned, or why it failed: then p50/p95/p99 read 0 and `latencyUnavailable` says why.
 */
export function summarizeMetrics(input: {
  source: MetricsSource;
  counts: Map<string, number[]>;
  percentiles: Map<string, number[]> | { error: string };
  replicas: ReplicaCounts;
  since: Date;
  until: Date;
}): ComponentMetrics {
  const { source, counts, percentiles, replicas } = input;
  const groups = source.targetGroups.length;
  const requests = sum(perTargetGroup(counts, 'requests', groups, sum));
  const errors = sum(perTargetGroup(counts, 'target5xx', groups, sum));
  const percentile = (stat: 'p50' | 'p95' | 'p99') => ('error' in percentiles ? 0 : msFromSeconds(max(perTargetGroup(percentiles, stat, groups, max))));
  return {
    since: input.since.toISOString(),
    until: input.until.toISOString(),
    requests: requestFigures(requests, errors),
    latencyMs: { p50: percentile('p50'), p95: percentile('p95'), p99: percentile('p99'), max: msFromSeconds(max(perTargetGroup(counts, 'latencymax', groups, max))) },
    ...('error' in percentiles ? { latencyUnavailable: `response-time percentiles could not be read from CloudWatch: ${percentiles.error}` } : {}),
    resources: {
      cpuPercent: { avg: round2(max(counts.get('cpuavg'))), max: round2(max(counts.get('cpumax'))) },
      memoryPercent: { avg: round2(max(counts.get('memavg'))), max: round2(max(counts.get('memmax'))) },
    },
    replicas,
  };
}

// SDK messages may carry a multi-line hint after the reason.
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

/** A MicroService's metrics over the window: two GetMetricData requests, the second (percentiles) allowed to fail. */
export async function readMetrics(client: CloudWatchClient, source: MetricsSource, replicas: ReplicaCounts, since: Date, until: Date): Promise<ComponentMetrics> {
  const period = metricPeriod(since, until);
  const [counts, percentiles] = await Promise.all([
    getMetricData(client, countQueries(source, period), since, until),
    getMetricData(client, percentileQueries(source, period), since, until).catch((error: unknown) => ({ error: firstLine(error) })),
  ]);
  return summarizeMetrics({ source, counts, percentiles, replicas, since, until });
}

/**
 * A MicroService during a canary step: each revision's figures side by side, and the whole as
 * their sum (requests, replicas) or the larger (latency, an upper bound as above); cpu and memory
 * are the stable service's, which carries most of the load.
 */
export function bothRevisions(stable: ComponentMetrics, canary: ComponentMetrics): ComponentMetrics {
  const latency = (['p50', 'p95', 'p99', 'max'] as const).map((key) => [key, Math.max(stable.latencyMs[key], canary.latencyMs[key])]);
  const replicas = (['current', 'desired', 'healthy'] as const).map((key) => [key, stable.replicas[key] + canary.replicas[key]]);
  const unavailable = stable.latencyUnavailable ?? canary.latencyUnavailable;
  return {
    ...stable,
    requests: requestFigures(stable.requests.total + canary.requests.total, stable.requests.errors + canary.requests.errors),
    latencyMs: Object.fromEntries(latency) as ComponentMetrics['latencyMs'],
    ...(unavailable ? { latencyUnavailable: unavailable } : {}),
    replicas: Object.fromEntries(replicas) as ComponentMetrics['replicas'],
    revisions: { stable: { requests: stable.requests, latencyMs: stable.latencyMs }, canary: { requests: canary.requests, latencyMs: canary.latencyMs } },
  };
}
