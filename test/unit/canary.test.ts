import { judgeCanary } from '../../src/releases/canary';
import { rolloutStrategyOf } from '../../src/model/rolloutStrategy';
import { canarySettings } from '../../src/model/schema';
import { requestFigures } from '../../src/targets/local/api';

const analysis = canarySettings.parse({}).analysis;
const absolute = { errorRatePercent: 5, p99LatencyMs: 2000 };

function figures(total: number, errors: number, p99: number) {
  return { requests: requestFigures(total, errors), latencyMs: { p50: p99 / 2, p95: p99, p99, max: p99 } };
}

describe('canary analysis', () => {
  it('passes a canary that does as well as the stable version, naming both versions\' figures', () => {
    expect(judgeCanary({ stable: figures(380, 1, 40), canary: figures(20, 0, 45) }, analysis, absolute)).toMatchObject({
      outcome: 'pass',
      reason: 'error rate 0% vs stable 0.26%; p99 45 ms vs stable 40 ms; over 20 + 380 requests',
    });
  });

  it('fails a canary whose error rate exceeds the stable one by more than allowed, even under the absolute threshold', () => {
    const verdict = judgeCanary({ stable: figures(200, 0, 40), canary: figures(50, 2, 40) }, analysis, absolute);
    expect(verdict).toMatchObject({ outcome: 'fail', reason: 'error rate 4% vs stable 0% (+4 points > 1)' });
  });

  it('passes a canary as bad as a stable version that is failing too: it is compared, not blamed', () => {
    expect(judgeCanary({ stable: figures(200, 6, 40), canary: figures(50, 1, 40) }, { ...analysis, maxErrorRateIncrease: 1 }, { ...absolute, errorRatePercent: 10 }).outcome).toBe('pass');
  });

  it('fails a canary over the absolute error threshold, whatever the stable version does', () => {
    expect(judgeCanary({ stable: figures(200, 14, 40), canary: figures(50, 4, 40) }, analysis, absolute)).toMatchObject({ outcome: 'fail', reason: 'error rate 8% vs stable 7% (> 5% allowed)' });
  });

  it('fails a canary whose p99 is well above the stable one, but not for noise of a few milliseconds', () => {
    expect(judgeCanary({ stable: figures(200, 0, 100), canary: figures(50, 0, 400) }, analysis, absolute)).toMatchObject({ outcome: 'fail', reason: 'p99 400 ms vs stable 100 ms (more than +50%)' });
    expect(judgeCanary({ stable: figures(200, 0, 2), canary: figures(50, 0, 9) }, analysis, absolute).outcome).toBe('pass');
  });

  it('says there is too little traffic to judge rather than passing a canary nobody called', () => {
    expect(judgeCanary({ stable: figures(100, 0, 40), canary: figures(3, 3, 40) }, analysis, absolute)).toMatchObject({
      outcome: 'insufficient-traffic',
      reason: 'the new version answered 3 requests, fewer than the 20 its analysis needs',
    });
  });
});

describe('rollout strategy', () => {
  const canary = canarySettings.parse({ steps: [{ weight: 5, pause: '2m' }, { weight: 50, pause: 'manual' }] });

  it('is rolling unless the MicroService or its environment names canary', () => {
    expect(rolloutStrategyOf({ rollout: {} }, {})).toEqual({ kind: 'rolling' });
  });

  it('takes the environment\'s canary, the built-in steps when it gives none, and the MicroService\'s own over both', () => {
    expect(rolloutStrategyOf({ rollout: { strategy: 'canary', canary } }, {})).toEqual({ kind: 'canary', canary });
    expect(rolloutStrategyOf({ rollout: { strategy: 'canary' } }, {})).toEqual({ kind: 'canary', canary: canarySettings.parse({}) });
    expect(canarySettings.parse({}).steps).toEqual([{ weight: 10, pause: '1m' }, { weight: 50, pause: '1m' }]);
    const own = canarySettings.parse({ steps: [{ weight: 20 }] });
    expect(rolloutStrategyOf({ rollout: { strategy: 'canary', canary } }, { rollout: { canary: own } })).toEqual({ kind: 'canary', canary: own });
    expect(rolloutStrategyOf({ rollout: { strategy: 'canary', canary } }, { rollout: { strategy: 'rolling' } })).toEqual({ kind: 'rolling' });
  });
});
