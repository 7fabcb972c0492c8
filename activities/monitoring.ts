import { Context } from '@temporalio/activity';
import type { Observer } from '../src/targets/observer';
import { targetFor } from '../src/targets/targetFor';
import type { MonitorBreach, MonitorRequest } from '../src/temporal/deploymentActivities';
import type { DeploymentPorts } from './ports';

// Below this many requests in the window an error rate says little (one 500 would be 100 %).
const MIN_REQUESTS_FOR_ERROR_RATE = 20;
const MONITOR_HEARTBEAT_MS = 5_000;

/** Monitoring: the window after a release in which a breach of the thresholds rolls it back. */
export function createMonitoringActivities(ports: Pick<DeploymentPorts, 'observe'>) {
  return {
    /**
     * The monitoring window as one activity: history stays the same size however long it lasts.
     * Every attempt checks at least once, and its first check reads the figures since the window
     * opened: a retry after a worker crash (even one that starts after the window ended) knows
     * nothing of what an earlier attempt saw, nor of the time no worker was watching.
     */
    async monitorRelease(request: MonitorRequest): Promise<MonitorBreach | undefined> {
      const context = Context.current();
      const observer = await ports.observe(request.environment);
      const endsAt = request.windowStartedAt + request.windowMs;
      let firstCheck = true;
      do {
        // Heartbeats keep coming while it waits: a check interval as long as the heartbeat timeout
        // (30 s, the default) must not read as a dead worker.
        const checkAt = Math.min(Date.now() + request.intervalMs, endsAt);
        do {
          context.heartbeat();
          await context.sleep(Math.min(MONITOR_HEARTBEAT_MS, Math.max(0, checkAt - Date.now())));
        } while (Date.now() < checkAt);
        const since = firstCheck ? request.windowStartedAt : Math.max(request.windowStartedAt, Date.now() - targetFor(request.environment).errorRateWindowMs);
        firstCheck = false;
        const breach = await checkThresholds(observer, request, new Date(since));
        if (breach) return breach;
      } while (Date.now() < endsAt);
      return undefined;
    },
  };
}

async function checkThresholds(observer: Observer, request: MonitorRequest, since: Date): Promise<MonitorBreach | undefined> {
  let requests = 0;
  let errors = 0;
  let p99 = 0;
  const unhealthy: string[] = [];
  for (const ref of request.refs) {
    const [metrics, health] = await Promise.all([observer.metrics(ref, since), observer.health(ref)]);
    requests += metrics.requests.total;
    errors += metrics.requests.errors;
    p99 = Math.max(p99, metrics.latencyMs.p99);
    if (!health.healthy) unhealthy.push(`${ref.service}/${ref.component} (${health.summary})`);
  }
  const errorRate = requests ? Math.round((errors / requests) * 10000) / 100 : 0;
  const reasons: string[] = [];
  if (requests >= MIN_REQUESTS_FOR_ERROR_RATE && errorRate > request.thresholds.errorRatePercent) reasons.push(`error rate ${errorRate}% > ${request.thresholds.errorRatePercent}%`);
  if (p99 > request.thresholds.p99LatencyMs) reasons.push(`p99 latency ${p99} ms > ${request.thresholds.p99LatencyMs} ms`);
  if (unhealthy.length) reasons.push(`health checks failing: ${unhealthy.join(', ')}`);
  return reasons.length ? { reason: reasons.join('; '), errorRatePercent: errorRate, p99LatencyMs: p99, unhealthy } : undefined;
}
