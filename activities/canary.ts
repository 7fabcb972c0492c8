import { Context } from '@temporalio/activity';
import { CanaryVerdict, judgeCanary } from '../src/releases/canary';
import type { RevisionFigures } from '../src/targets/observer';
import type { CanaryWatchRequest } from '../src/temporal/deploymentActivities';
import { requestFigures } from '../src/targets/local/api';
import type { DeploymentPorts } from './ports';

const WATCH_HEARTBEAT_MS = 5_000;
const NO_REQUESTS: RevisionFigures = { requests: requestFigures(0, 0), latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 } };

/** Canary analysis: a canary step watched against the stable version. */
export function createCanaryActivities(ports: Pick<DeploymentPorts, 'observe'>) {
  return {
    /**
     * Watches one canary step: checks every interval from the step's start (workflow time, so a
     * retry after a lost worker judges the same window) and returns at the first failure, else the
     * verdict at the end of the step. Failing health checks fail it whatever the figures say.
     */
    async watchCanary(request: CanaryWatchRequest): Promise<CanaryVerdict> {
      const context = Context.current();
      const observer = await ports.observe(request.environment);
      const endsAt = request.stepStartedAt + request.stepMs;
      for (;;) {
        const checkAt = Math.min(Date.now() + request.intervalMs, endsAt);
        while (Date.now() < checkAt) {
          context.heartbeat();
          await context.sleep(Math.min(WATCH_HEARTBEAT_MS, Math.max(0, checkAt - Date.now())));
        }
        const [metrics, health] = await Promise.all([observer.metrics(request.ref, new Date(request.stepStartedAt)), observer.health(request.ref)]);
        const figures = metrics.revisions ?? { stable: { requests: metrics.requests, latencyMs: metrics.latencyMs }, canary: NO_REQUESTS };
        const verdict: CanaryVerdict = health.healthy ? judgeCanary(figures, request.analysis, request.thresholds) : { outcome: 'fail', reason: `health checks failing: ${health.summary}`, ...figures };
        if (verdict.outcome === 'fail' || Date.now() >= endsAt) return verdict;
      }
    },
  };
}
