import type { DesiredComponent, DesiredStack } from '../model/types';
import type { ReleasedLookup } from '../releases/releaseRecord';
import { costImpact, CostImpact, estimateMonthlyCost } from './cost';
import { ComponentChange, diffComponent } from './diff';
import { planBlockers } from './blockers';
import { computeWaves } from '../model/waves';
import { canaryOf } from '../model/rolloutStrategy';
import type { CanarySettings } from '../model/schema';

export interface PlanWave {
  /** 1-based, as shown to users. */
  index: number;
  changes: ComponentChange[];
}

/** What `apply` would do: changed components in dependency waves, removals last, and the cost. */
export interface DeploymentPlan {
  stack: string;
  environment: string;
  target: 'local' | 'aws';
  services: string[];
  waves: PlanWave[];
  /** Components no longer in the repo, removed after every wave succeeded. */
  deletions: ComponentChange[];
  unchanged: string[];
  noop: boolean;
  cost: CostImpact;
  /** Why it cannot be applied as it stands (planBlockers); empty when it can. */
  blockers: string[];
}

/**
 * Plans the given services of a desired stack (all when `services` is empty). Waves come from the
 * whole scope's DAG so ordering holds through unchanged components; unchanged ones are then left out.
 * `localSecretIsSet` answers for the worker (only it can see local secrets): without it, missing
 * local secrets are not checked.
 */
export function buildPlan(desired: DesiredStack, released: ReleasedLookup, services: string[] = [], localSecretIsSet?: (name: string) => boolean, deployedServices: string[] = []): DeploymentPlan {
  const inScope = desired.services.filter((service) => !services.length || services.includes(service.name));
  const components = inScope.flatMap((service) => service.components);
  const before = new Map(inScope.flatMap((service) => released(service.name)).map((component) => [component.id, component]));
  const desiredById = new Map<string, DesiredComponent>(components.map((component) => [component.id, component]));

  const layering = computeWaves(components);
  if ('cycle' in layering) throw new Error(`dependency cycle ${layering.cycle.join(' → ')} (the loader should have rejected it)`);
  const waves: PlanWave[] = [];
  const unchanged: string[] = [];
  for (const ids of layering.waves) {
    const changes = ids.map((id) => withCanary(diffComponent(before.get(id), desiredById.get(id)), canaryOf(desired.environment.spec, desiredById.get(id)!, before.get(id))));
    unchanged.push(...changes.filter((change) => change.action === 'unchanged').map((change) => change.id));
    const changed = changes.filter((change) => change.action !== 'unchanged');
    if (changed.length) waves.push({ index: waves.length + 1, changes: changed });
  }
  const deletions = [...before.values()].filter((component) => !desiredById.has(component.id)).map((component) => diffComponent(component, undefined));

  const target = desired.environment.spec.target;
  const region = desired.environment.spec.region;
  const cost = costImpact(estimateMonthlyCost([...before.values()], target, region), estimateMonthlyCost(components, target, region));
  return {
    stack: desired.stack,
    environment: desired.environment.name,
    target,
    services: inScope.map((service) => service.name),
    waves,
    deletions,
    unchanged,
    noop: waves.length === 0 && deletions.length === 0,
    cost,
    blockers: planBlockers(desired, services, released, localSecretIsSet, deployedServices),
  };
}

function withCanary(change: ComponentChange, canary: CanarySettings | undefined): ComponentChange {
  return canary && change.action === 'update' ? { ...change, canary: canary.steps } : change;
}
