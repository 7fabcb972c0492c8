import { progressEvents } from '../../cli/render/progress';
import type { DeploymentProgress } from '../../src/temporal/deployment';

// The lines apply and status --follow print without a terminal (CI logs, GitHub Actions).
describe('progressEvents', () => {
  const at = (phase: string, monitoring?: DeploymentProgress['monitoring']) => ({ phase, waves: [], monitoring }) as unknown as DeploymentProgress;

  it('says how long monitoring lasts and what rolls back, where a log would otherwise fall silent for the whole window', () => {
    const monitoring = { windowMs: 600_000, thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 }, startedAt: '2026-12-06T10:00:00Z' };
    expect(progressEvents(at('deploying'), at('monitoring', monitoring))).toEqual([
      '→ monitoring for 10m 0s (rollback above 5% errors or p99 2000 ms; rollout.monitorWindow sets how long)',
    ]);
    expect(progressEvents(at('monitoring', monitoring), at('monitoring', monitoring))).toEqual([]);
    expect(progressEvents(at('monitoring', monitoring), at('succeeded', monitoring))).toEqual(['→ succeeded']);
  });
});
