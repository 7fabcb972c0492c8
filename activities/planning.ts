import { createHash } from 'node:crypto';
import { buildPlan } from '../src/plan/buildPlan';
import { lastReleased } from '../src/releases/releaseLog';
import type { PlanServiceInput, ServicePlan } from '../src/temporal/deploymentActivities';
import { resolveLocalSecret } from '../src/targets/local/localSecrets';
import type { DeploymentPorts } from './ports';

/** Planning a service's deployment against the release log. */
export function createPlanningActivities(ports: Pick<DeploymentPorts, 'releases'>) {
  return {
    /**
     * Plan of one service against its last good release, and that release (the rollback point).
     * Components in `force` are updated even when their spec is unchanged (drift remediation: `up`
     * refreshes first, so re-applying the same spec puts reality back).
     */
    async planService(input: PlanServiceInput): Promise<ServicePlan> {
      const { desired, service } = input;
      // What a cancelled or failed deployment since the last good release touched may not be what
      // that release says: apply it again.
      const history = await ports.releases.history(desired.stack, desired.environment.name, service);
      const lastGood = history.findIndex((record) => record.result === 'succeeded');
      const released = lastGood === -1 ? [] : history[lastGood]!.components;
      const sinceGood = lastGood === -1 ? history : history.slice(0, lastGood);
      const unsettled = sinceGood.flatMap((record) => record.touched ?? []);
      const force = new Set([...(input.force ?? []), ...unsettled]);
      const compared = force.size ? released.map((component) => (force.has(component.id) ? { ...component, specHash: `${component.specHash}:forced` } : component)) : released;
      // The other services' releases: valueFrom and dependsOn may name their components.
      const others = (await ports.releases.services(desired.stack, desired.environment.name)).filter((name) => name !== service);
      const releasedOthers = new Map(await Promise.all(others.map(async (name) => [name, await lastReleased(ports.releases, desired.stack, desired.environment.name, name)] as const)));
      const releasedOf = (name: string) => (name === service ? compared : (releasedOthers.get(name) ?? []));
      const plan = buildPlan(desired, releasedOf, [service], (name) => resolveLocalSecret(name) !== undefined);
      // Approvals are bound to this hash: a decision made on one plan never approves another.
      return { plan, planHash: createHash('sha256').update(JSON.stringify(plan)).digest('hex'), released };
    },
  };
}
