// A canary as people read it: in the progress box (status --follow, apply) and in `status`.
import type { CanaryProgress } from '../../releases/canary';
import { minutesAndSeconds } from './format';

/**
 * A canary under its MicroService: the two versions, the step it is at of how many and its share of
 * requests, what it waits for, and each step's outcome with both versions' figures side by side.
 */
export function canaryLines(canary: CanaryProgress, now: Date): string[] {
  const current = canary.steps[canary.steps.length - 1];
  const state = canary.state === 'running' ? `step ${current?.step ?? 0}/${canary.plannedSteps.length}, ${current?.weight ?? 0}% of requests` : canary.state;
  const lines = [`    Canary ${canary.canaryVersion} beside ${canary.stableVersion}: ${state}`];
  for (const step of canary.steps) {
    const waiting = step.waiting?.manual
      ? 'waiting for `deployer promote` (or `deployer abort`)'
      : step.waiting?.until
        ? `analysing, ${minutesAndSeconds(Math.max(0, Date.parse(step.waiting.until) - now.getTime()))} left`
        : step.outcome
          ? `${step.outcome}${step.reason ? `: ${step.reason}` : ''}`
          : 'starting';
    lines.push(`    └─ Step ${step.step} (${step.weight}%): ${waiting}`);
    if (step.figures) {
      const { stable, canary: figures } = step.figures;
      const row = (version: string, { requests, latencyMs }: typeof stable) => `       ${version.padEnd(Math.max(canary.canaryVersion.length, canary.stableVersion.length))}  ${requests.total} req, ${requests.errorRatePercent}% errors, p99 ${latencyMs.p99} ms`;
      lines.push(row(canary.canaryVersion, figures), row(canary.stableVersion, stable));
    }
  }
  return lines;
}
