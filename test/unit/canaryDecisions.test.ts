import { canaryToDecide } from '../../cli/decideCanary';
import type { CanaryProgress } from '../../src/releases/canary';

function canary(component: string, state: CanaryProgress['state'], waiting: { manual?: boolean; until?: string }): CanaryProgress {
  return {
    component,
    stableVersion: 'v1.0.0',
    canaryVersion: 'v1.1.0',
    plannedSteps: [{ weight: 10, pause: '1m' }, { weight: 50, pause: 'manual' }],
    state,
    steps: [
      { step: 1, weight: 10, startedAt: '2026-12-06T10:00:00Z', endedAt: '2026-12-06T10:01:00Z', outcome: 'passed' },
      { step: 2, weight: 50, startedAt: '2026-12-06T10:01:00Z', waiting },
    ],
  };
}

describe('which canary a promote or abort is about', () => {
  const progress = (canaries: CanaryProgress[]) => ({ service: 'shop', environment: 'production', canaries });

  it('promotes the one canary waiting at a manual step, naming its component and step', () => {
    expect(canaryToDecide(progress([canary('shop/api', 'running', { manual: true })]), 'promote')).toEqual({ component: 'shop/api', step: 2 });
  });

  it('refuses to promote a canary between timed steps, and says why', () => {
    expect(() => canaryToDecide(progress([canary('shop/api', 'running', { until: '2026-12-06T10:03:00Z' })]), 'promote')).toThrow(
      'no canary of shop waits for promotion in production; a canary between timed steps promotes itself when its analysis passes',
    );
  });

  it('aborts any running canary, and asks which when several run', () => {
    const two = progress([canary('shop/api', 'running', { until: 'x' }), canary('shop/worker', 'running', { manual: true })]);
    expect(() => canaryToDecide(two, 'abort')).toThrow('several canaries run: shop/api, shop/worker; name one with --component');
    expect(canaryToDecide(two, 'abort', 'worker')).toEqual({ component: 'shop/worker', step: 2 });
    expect(canaryToDecide(two, 'abort', 'shop/api')).toEqual({ component: 'shop/api', step: 2 });
  });

  it('names the canaries there are when --component names none of them, and ignores ended ones', () => {
    expect(() => canaryToDecide(progress([canary('shop/api', 'running', { until: 'x' }), canary('shop/web', 'promoted', {})]), 'abort', 'web')).toThrow(
      'no canary of shop/web runs in production (one of shop/api does: name it with --component)',
    );
  });
});
