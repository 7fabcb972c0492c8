import { progressEvents } from '../../cli/render/progress';
import { canaryLines } from '../../src/client/render/canary';
import { renderServiceStatus, RunningDeployment } from '../../src/client/render/status';
import type { DeploymentProgress } from '../../src/temporal/deployment';
import type { CanaryProgress } from '../../src/releases/canary';
import { requestFigures } from '../../src/targets/local/api';

const figures = (total: number, errors: number, p99: number) => ({ requests: requestFigures(total, errors), latencyMs: { p50: 1, p95: p99, p99, max: p99 } });

describe('a canary in the progress box', () => {
  const canary: CanaryProgress = {
    component: 'shop/api',
    stableVersion: 'v1.2.0',
    canaryVersion: 'v1.3.0',
    plannedSteps: [{ weight: 5, pause: '2m' }, { weight: 25, pause: 'manual' }, { weight: 50, pause: '2m' }],
    state: 'running',
    steps: [
      { step: 1, weight: 5, startedAt: '2026-12-06T10:00:00Z', endedAt: '2026-12-06T10:02:00Z', outcome: 'passed', reason: 'error rate 0% vs stable 0.1%', figures: { canary: figures(21, 0, 45), stable: figures(399, 1, 40) } },
      { step: 2, weight: 25, startedAt: '2026-12-06T10:02:00Z', waiting: { manual: true } },
    ],
  };

  it('shows the step it is at, what it waits for, and each finished step\'s figures side by side', () => {
    expect(canaryLines(canary, new Date('2026-12-06T10:03:00Z'))).toEqual([
      '    Canary v1.3.0 beside v1.2.0: step 2/3, 25% of requests',
      '    └─ Step 1 (5%): passed: error rate 0% vs stable 0.1%',
      '       v1.3.0  21 req, 0% errors, p99 45 ms',
      '       v1.2.0  399 req, 0.25% errors, p99 40 ms',
      '    └─ Step 2 (25%): waiting for `deployer promote` (or `deployer abort`)',
    ]);
  });

  it('counts down a timed step, and says how a canary ended', () => {
    const timed: CanaryProgress = { ...canary, steps: [{ step: 1, weight: 5, startedAt: '2026-12-06T10:00:00Z', waiting: { until: '2026-12-06T10:02:00Z' } }] };
    expect(canaryLines(timed, new Date('2026-12-06T10:01:15Z'))[1]).toBe('    └─ Step 1 (5%): analysing, 45s left');
    expect(canaryLines({ ...canary, state: 'failed' }, new Date())[0]).toBe('    Canary v1.3.0 beside v1.2.0: failed');
  });
});

describe('a canary in a log (follow without a terminal)', () => {
  const deployment = (canaries: CanaryProgress[]) => ({ phase: 'deploying', waves: [], canaries }) as unknown as DeploymentProgress;
  const base: CanaryProgress = { component: 'shop/api', stableVersion: 'v1.2.0', canaryVersion: 'v1.3.0', plannedSteps: [{ weight: 5, pause: '2m' }, { weight: 25, pause: 'manual' }], state: 'running', steps: [] };

  it('tells each step as it begins, waits and ends, once, and how the canary ended', () => {
    const first = { ...base, steps: [{ step: 1, weight: 5, startedAt: '2026-12-06T10:00:00Z', waiting: { until: '2026-12-06T10:02:00Z' } }] };
    const passed = { ...base, steps: [{ step: 1, weight: 5, startedAt: '2026-12-06T10:00:00Z', outcome: 'passed' as const, reason: 'error rate 0% vs stable 0%' }, { step: 2, weight: 25, startedAt: '2026-12-06T10:02:00Z', waiting: { manual: true } }] };
    const aborted = { ...passed, state: 'aborted' as const, steps: [passed.steps[0]!, { step: 2, weight: 25, startedAt: '2026-12-06T10:02:00Z', outcome: 'aborted' as const, reason: 'aborted by carol@company.com' }] };
    expect(progressEvents(deployment([]), deployment([first]))).toEqual(['  canary v1.3.0 of shop/api: step 1/2 (5% of requests) begins']);
    expect(progressEvents(deployment([first]), deployment([first]))).toEqual([]);
    expect(progressEvents(deployment([first]), deployment([passed]))).toEqual([
      '  canary v1.3.0 of shop/api: step 1/2 (5% of requests) passed: error rate 0% vs stable 0%',
      '  canary v1.3.0 of shop/api: step 2/2 (25% of requests) begins',
      '  canary v1.3.0 of shop/api: step 2/2 (25% of requests) waits for `deployer promote` (or `deployer abort`)',
    ]);
    expect(progressEvents(deployment([passed]), deployment([aborted]))).toEqual([
      '  canary v1.3.0 of shop/api: step 2/2 (25% of requests) aborted: aborted by carol@company.com',
      '  canary v1.3.0 of shop/api: aborted',
    ]);
  });
});

describe('a running canary in `deployer status`', () => {
  const status = (running?: RunningDeployment) =>
    renderServiceStatus(
      { service: 'shop', environment: 'production', components: [{ name: 'api', kind: 'MicroService' }], deploying: 'deploy/web/production/shop', running },
      new Date('2026-12-06T10:03:00Z'),
    );
  const canary: CanaryProgress = {
    component: 'shop/api',
    stableVersion: 'v1.2.0',
    canaryVersion: 'v1.3.0',
    plannedSteps: [{ weight: 5, pause: '2m' }, { weight: 25, pause: 'manual' }],
    state: 'running',
    steps: [
      { step: 1, weight: 5, startedAt: '2026-12-06T10:00:00Z', endedAt: '2026-12-06T10:02:00Z', outcome: 'passed', reason: 'error rate 0% vs stable 0.1%' },
      { step: 2, weight: 25, startedAt: '2026-12-06T10:02:00Z', waiting: { manual: true } },
    ],
  };

  it('says which version deploys for whom, how far it is, the canary\'s step and what it waits for', () => {
    const text = status({ version: 'v1.3.0', requestedBy: 'alice@company.com', phase: 'deploying', startedAt: '2026-12-06T09:59:00Z', canaries: [canary] });
    expect(text).toContain('⟳ Deploying v1.3.0 for alice@company.com, started 4 minutes ago: deploying');
    expect(text).toContain('Canary v1.3.0 beside v1.2.0: step 2/2, 25% of requests');
    expect(text).toContain('└─ Step 2 (25%): waiting for `deployer promote` (or `deployer abort`)');
    expect(text).toContain('Follow it with --follow (deploy/web/production/shop).');
  });

  it('shows no canary that has ended, and only the workflow id when the deployment could not be asked', () => {
    expect(status({ version: 'v1.3.0', requestedBy: 'alice@company.com', phase: 'monitoring', startedAt: '2026-12-06T09:59:00Z', canaries: [{ ...canary, state: 'promoted' }] })).not.toContain('Canary');
    expect(status()).toContain('⟳ A deployment is running (deploy/web/production/shop);');
  });
});
