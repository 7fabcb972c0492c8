/**
 * A canary's settings where an environment names the strategy without them: the schema's defaults,
 * and what the workflow uses, kept free of zod so the workflow bundle stays small.
 */
export const DEFAULT_CANARY: {
  steps: { weight: number; pause?: string }[];
  analysis: { maxErrorRateIncrease: number; maxP99LatencyIncreasePercent: number; minRequests: number; insufficientTraffic: 'wait' | 'fail' };
} = {
  steps: [
    { weight: 10, pause: '1m' },
    { weight: 50, pause: '1m' },
  ],
  analysis: { maxErrorRateIncrease: 1, maxP99LatencyIncreasePercent: 50, minRequests: 20, insufficientTraffic: 'wait' },
};
