import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMonitoringActivities } from '../../activities/monitoring';
import type { MonitorRequest } from '../../src/temporal/deploymentActivities';
import type { ComponentMetrics, Observer } from '../../src/targets/observer';

// The monitoring window as an activity, over an observer that reports what each test needs (a
// stand-in for the target: this tests the activity's own timing and threshold logic).
function observerReporting(metrics: Partial<ComponentMetrics['requests']> & { p99?: number }): { observer: Observer; checks: number[] } {
  const checks: number[] = [];
  const observer = {
    async metrics() {
      checks.push(Date.now());
      const total = metrics.total ?? 0;
      const errors = metrics.errors ?? 0;
      return { requests: { total, errors }, latencyMs: { p99: metrics.p99 ?? 0 } } as ComponentMetrics;
    },
    async health() {
      return { kind: 'MicroService', healthy: true, summary: '2/2 healthy', replicas: [] };
    },
  } as unknown as Observer;
  return { observer, checks };
}

// An observer over the requests a load balancer saw, at the times it saw them: like the targets' own,
// its figures are those of the requests since the time asked for.
function observerOver(requests: { at: number; failed: boolean }[]): { observer: Observer; checkedSince: number[] } {
  const checkedSince: number[] = [];
  const observer = {
    async metrics(_ref: unknown, since: Date) {
      checkedSince.push(since.getTime());
      const seen = requests.filter((request) => request.at >= since.getTime());
      return { requests: { total: seen.length, errors: seen.filter((request) => request.failed).length }, latencyMs: { p99: 120 } } as ComponentMetrics;
    },
    async health() {
      return { kind: 'MicroService', healthy: true, summary: '2/2 healthy', replicas: [] };
    },
  } as unknown as Observer;
  return { observer, checkedSince };
}

/** `count` requests spread over [from, to), every one in `failEvery` failing. */
function requestsBetween(from: number, to: number, count: number, failEvery: number): { at: number; failed: boolean }[] {
  return Array.from({ length: count }, (_, index) => ({ at: from + Math.floor(((to - from) * index) / count), failed: index % failEvery === 0 }));
}

function monitor(observer: Observer, request: Partial<MonitorRequest>, info: Partial<Info> = {}) {
  const activities = createMonitoringActivities({ observe: async () => observer });
  const environment = new MockActivityEnvironment(info);
  const heartbeats: number[] = [];
  environment.on('heartbeat', () => heartbeats.push(Date.now()));
  const full: MonitorRequest = {
    environment: { target: 'local', region: 'us-east-1', platform: {} },
    refs: [{ stack: 'shop', environment: 'production', service: 'cart', component: 'api', kind: 'MicroService' }],
    windowStartedAt: Date.now(),
    windowMs: 6_000,
    intervalMs: 6_000,
    thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 },
    ...request,
  };
  return { result: environment.run(activities.monitorRelease, full), heartbeats };
}

test('keeps heartbeating while it waits for a check interval as long as the heartbeat timeout', async () => {
  // On Jest's clock (Date.now and the activity's sleep both), so a loaded machine stalling the event
  // loop cannot move a heartbeat past the check it must come before.
  jest.useFakeTimers();
  try {
    const { observer, checks } = observerReporting({ total: 100, errors: 0, p99: 120 });
    const started = Date.now();
    const { result, heartbeats } = monitor(observer, {});
    await jest.advanceTimersByTimeAsync(7_000);
    await expect(result).resolves.toBeUndefined();
    expect(checks).toEqual([started + 6_000]);
    // One heartbeat at the start and more while waiting, never more than about 5 s apart.
    const beforeCheck = heartbeats.filter((at) => at <= checks[0]!);
    expect(beforeCheck.length).toBeGreaterThanOrEqual(2);
    const times = [started, ...beforeCheck, checks[0]!];
    const gaps = times.slice(1).map((at, index) => at - times[index]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5_000);
  } finally {
    jest.useRealTimers();
  }
});

test('returns the breach when the error rate passes the threshold', async () => {
  const { observer } = observerReporting({ total: 100, errors: 12, p99: 120 });
  const { result } = monitor(observer, { windowMs: 1_000, intervalMs: 200 });
  await expect(result).resolves.toMatchObject({ errorRatePercent: 12, unhealthy: [] });
});

describe('a retry that starts after the window ended (its worker was killed during the window)', () => {
  const windowMs = 6_000;

  test('reports the breach the figures of the whole window show', async () => {
    const windowStartedAt = Date.now() - 10_000;
    // A release failing one request in three all through its window, and nobody calling it since.
    const { observer, checkedSince } = observerOver(requestsBetween(windowStartedAt, windowStartedAt + windowMs, 100, 3));
    const { result } = monitor(observer, { windowStartedAt, windowMs, intervalMs: 1_000 }, { attempt: 2 });
    await expect(result).resolves.toMatchObject({ reason: 'error rate 34% > 5%', errorRatePercent: 34 });
    expect(checkedSince).toEqual([windowStartedAt]);
  });

  test('passes a good release only after checking the figures of the whole window', async () => {
    const windowStartedAt = Date.now() - 10_000;
    const { observer, checkedSince } = observerOver(requestsBetween(windowStartedAt, windowStartedAt + windowMs, 100, 100));
    const { result } = monitor(observer, { windowStartedAt, windowMs, intervalMs: 1_000 }, { attempt: 2 });
    await expect(result).resolves.toBeUndefined();
    expect(checkedSince).toEqual([windowStartedAt]);
  });
});
