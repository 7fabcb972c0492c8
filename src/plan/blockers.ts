import { environmentVariables } from '../model/types';
import { localSecretNotSet } from '../targets/local/secretNotSet';
import type { DesiredStack } from '../model/types';
import type { ReleasedLookup } from '../releases/releaseRecord';
import { ingressCollisions } from './ingressCollisions';
import { parseComponentId } from '../model/componentRef';

/**
 * Why a plan cannot be applied as it stands, found before anything is created: a component that
 * reads (valueFrom) or waits for (dependsOn) a component of another service that is neither deployed
 * in the environment nor part of this plan; on the local target, a secret neither the local secrets
 * file nor the worker's environment holds; on aws, ingress routes the shared load balancer cannot
 * tell apart.
 * Without this check the first wave is created and then rolled back, the useful line buried in the
 * engine's output.
 */
export function planBlockers(desired: DesiredStack, services: string[], released: ReleasedLookup, localSecretIsSet?: (name: string) => boolean, deployedServices: string[] = []): string[] {
  const inScope = desired.services.filter((service) => !services.length || services.includes(service.name));
  const planned = new Set(inScope.flatMap((service) => service.components.map((component) => component.id)));
  const environment = desired.environment.name;
  const blockers: string[] = [];
  for (const service of inScope) {
    for (const component of service.components) {
      const variables = environmentVariables(component);
      for (const dependency of component.dependsOn) {
        const other = parseComponentId(dependency)?.service ?? dependency;
        if (other === service.name || planned.has(dependency) || released(other).some((deployed) => deployed.id === dependency)) continue;
        const reader = variables.find((variable) => 'valueFrom' in variable && variable.valueFrom.component === dependency);
        const what = reader ? `${reader.name} reads ${dependency}` : `it depends on ${dependency}`;
        blockers.push(
          `${component.id}: ${what}, which is not deployed in ${environment}. Deploy it first (deployer apply --stack ${desired.stack} --service ${other} --environment ${environment}), or apply the whole stack.`,
        );
      }
      if (localSecretIsSet && desired.environment.spec.target === 'local') {
        for (const variable of variables) {
          if (!('secretFrom' in variable) || localSecretIsSet(variable.secretFrom.secret)) continue;
          blockers.push(`${component.id}: ${localSecretNotSet(variable.secretFrom.secret, variable.name)}.`);
        }
      }
    }
  }
  if (desired.environment.spec.target === 'aws') blockers.push(...ingressCollisions(desired, planned));
  // A whole-stack plan also answers for services deployed here that the repo no longer has.
  const inRepo = new Set(desired.services.map((service) => service.name));
  const orphans = services.length ? [] : deployedServices.filter((service) => !inRepo.has(service));
  if (orphans.length) blockers.push(orphanedServicesReason(desired.stack, environment, orphans));
  return blockers;
}

/** Services still running in an environment that the repo no longer has: removed only on purpose. */
export function orphanedServicesReason(stack: string, environment: string, orphans: string[]): string {
  const commands = orphans.map((service) => `deployer decommission --stack ${stack} --service ${service} --environment ${environment}`).join('; ');
  return `${orphans.join(', ')} ${orphans.length === 1 ? 'runs' : 'run'} in ${environment} but ${orphans.length === 1 ? 'is' : 'are'} no longer in the repo: deployer does not remove a service by forgetting it. Remove ${orphans.length === 1 ? 'it' : 'them'} on purpose (${commands}), or restore ${orphans.length === 1 ? 'its' : 'their'} directory.`;
}
