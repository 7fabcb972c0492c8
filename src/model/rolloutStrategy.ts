// Read by the deployment workflow: type-only imports of the schema, so no zod in the workflow bundle.
import { DEFAULT_CANARY } from './canaryDefaults';
import type { CanarySettings, EnvironmentSpec, KindedSpec, MicroServiceSpec } from './schema';
import type { ConfigFile } from './types';

/** How a MicroService's new version reaches its users. */
export type RolloutStrategy = { kind: 'rolling' } | { kind: 'canary'; canary: CanarySettings };

/** The MicroService's own rollout settings, else its environment's; rolling when neither names one. */
export function rolloutStrategyOf(environment: { rollout: Pick<EnvironmentSpec['rollout'], 'strategy' | 'canary'> }, spec: Pick<MicroServiceSpec, 'rollout'>): RolloutStrategy {
  const kind = spec.rollout?.strategy ?? environment.rollout.strategy ?? 'rolling';
  if (kind === 'rolling') return { kind };
  return { kind, canary: spec.rollout?.canary ?? environment.rollout.canary ?? DEFAULT_CANARY };
}

/** A component as released or desired: what decides whether its update goes out as a canary. */
type Revisioned = KindedSpec & { configs: ConfigFile[] };

/**
 * The canary a component's update rolls out with, or undefined for a rolling update: only a
 * MicroService whose strategy is canary, and only when what its replicas run changes (a new
 * replica count or size has no new code to judge). The plan shows it; the deployment runs it.
 */
export function canaryOf(environment: { rollout: Pick<EnvironmentSpec['rollout'], 'strategy' | 'canary'> }, component: Revisioned, previous: Revisioned | undefined): CanarySettings | undefined {
  if (component.kind !== 'MicroService' || previous?.kind !== 'MicroService') return undefined;
  const strategy = rolloutStrategyOf(environment, component.spec);
  if (strategy.kind !== 'canary') return undefined;
  return revisionOf(component) === revisionOf(previous) ? undefined : strategy.canary;
}

/** What a MicroService's replicas run (image, command, variables, files, checks): a canary compares two of these. */
function revisionOf(component: Extract<Revisioned, { kind: 'MicroService' }>): string {
  const { image, command, environment, configs, healthCheck } = component.spec;
  return JSON.stringify({ image, command, environment, configs, healthCheck, files: component.configs });
}
