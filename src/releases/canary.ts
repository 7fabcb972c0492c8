import type { CanarySettings } from '../model/schema';
import { round2 } from '../targets/local/api';
import type { RevisionFigures } from '../targets/observer';

/**
 * Below this, a canary's p99 above the stable version's is noise (one slow request, a GC pause),
 * not a regression: 3 ms against 1 ms is +200 % and means nothing.
 */
const LATENCY_NOISE_FLOOR_MS = 25;

/** A MicroService's canary: the two versions, the planned steps, and what each step found. */
export interface CanaryProgress {
  /** `<service>/<component>`. */
  component: string;
  stableVersion: string;
  canaryVersion: string;
  /** The steps as configured: weights in percent, pauses as durations or `manual`. */
  plannedSteps: { weight: number; pause?: string }[];
  state: 'running' | 'promoted' | 'failed' | 'aborted';
  /** Each step taken so far, the current one last. */
  steps: CanaryStep[];
}

/** One step of a canary: its share of requests, how it waited, and its analysis. */
export interface CanaryStep {
  /** From 1. */
  step: number;
  weight: number;
  startedAt: string;
  /** While it waits: until when (a timed pause), or for `deployer promote` (manual). */
  waiting?: { until?: string; manual?: boolean };
  endedAt?: string;
  /** passed, failed or insufficient-traffic (the analysis); promoted or aborted (a person's decision). */
  outcome?: 'passed' | 'failed' | 'insufficient-traffic' | 'promoted' | 'aborted';
  /** What decided, with the figures. */
  reason?: string;
  /** The two versions' figures over the step, as the analysis saw them. */
  figures?: { stable: RevisionFigures; canary: RevisionFigures };
  /** Who promoted or aborted it, for a person's decision. */
  by?: string;
}

export type CanaryOutcome = 'pass' | 'fail' | 'insufficient-traffic';

/** A canary step's analysis: the two versions' figures over the same window, and what they mean. */
export interface CanaryVerdict {
  outcome: CanaryOutcome;
  /** What decided, with the figures: shown in status, history and Slack. */
  reason: string;
  stable: RevisionFigures;
  canary: RevisionFigures;
}

/**
 * Judges the canary against the stable version over the same window: its error rate may exceed the
 * stable one's by `maxErrorRateIncrease` points, its p99 by `maxP99LatencyIncreasePercent`, and
 * neither may break the environment's absolute thresholds (rollback.errorRatePercent, p99LatencyMs).
 * With fewer than `minRequests` canary requests there is nothing to judge, and the verdict says so.
 */
export function judgeCanary(
  figures: { stable: RevisionFigures; canary: RevisionFigures },
  analysis: CanarySettings['analysis'],
  absolute: { errorRatePercent: number; p99LatencyMs: number },
): CanaryVerdict {
  const { stable, canary } = figures;
  const verdict = (outcome: CanaryOutcome, reason: string): CanaryVerdict => ({ outcome, reason, stable, canary });
  if (canary.requests.total < analysis.minRequests) {
    return verdict('insufficient-traffic', `the new version answered ${canary.requests.total} request${canary.requests.total === 1 ? '' : 's'}, fewer than the ${analysis.minRequests} its analysis needs`);
  }
  const errorRates = `error rate ${canary.requests.errorRatePercent}% vs stable ${stable.requests.errorRatePercent}%`;
  const latencies = `p99 ${canary.latencyMs.p99} ms vs stable ${stable.latencyMs.p99} ms`;
  const problems: string[] = [];
  const errorIncrease = round2(canary.requests.errorRatePercent - stable.requests.errorRatePercent);
  if (errorIncrease > analysis.maxErrorRateIncrease) problems.push(`${errorRates} (+${errorIncrease} points > ${analysis.maxErrorRateIncrease})`);
  else if (canary.requests.errorRatePercent > absolute.errorRatePercent) problems.push(`${errorRates} (> ${absolute.errorRatePercent}% allowed)`);
  const latencyAllowed = stable.latencyMs.p99 * (1 + analysis.maxP99LatencyIncreasePercent / 100);
  if (stable.requests.total > 0 && canary.latencyMs.p99 > latencyAllowed && canary.latencyMs.p99 - stable.latencyMs.p99 > LATENCY_NOISE_FLOOR_MS) {
    problems.push(`${latencies} (more than +${analysis.maxP99LatencyIncreasePercent}%)`);
  } else if (canary.latencyMs.p99 > absolute.p99LatencyMs) {
    problems.push(`${latencies} (> ${absolute.p99LatencyMs} ms allowed)`);
  }
  if (problems.length) return verdict('fail', problems.join('; '));
  return verdict('pass', `${errorRates}; ${latencies}; over ${canary.requests.total} + ${stable.requests.total} requests`);
}
