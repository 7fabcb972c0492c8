// Read by the deployment workflow: type-only imports of the schema, so no zod in the workflow bundle.
import { DEFAULT_CANARY } from './canaryDefaults';
import type { CanarySettings, EnvironmentSpec, MicroServiceSpec } from './schema';

/** How a MicroService's new version reaches its users. */
export type RolloutStrategy = { kind: 'rolling' } | { kind: 'canary'; canary: CanarySettings };

/** The MicroService's own rollout settings, else its environment's; rolling when neither names one. */
export function rolloutStrategyOf(environment: { rollout: Pick<EnvironmentSpec['rollout'], 'strategy' | 'canary'> }, spec: Pick<MicroServiceSpec, 'rollout'>): RolloutStrategy {
  const kind = spec.rollout?.strategy ?? environment.rollout.strategy ?? 'rolling';
  if (kind === 'rolling') return { kind };
  return { kind, canary: spec.rollout?.canary ?? environment.rollout.canary ?? DEFAULT_CANARY };
}
