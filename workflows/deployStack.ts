import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { computeWaves } from '../src/model/waves';
import { DecommissionServiceInput, DeployServiceResult, DeployStackInput, DeployStackResult, RollbackServiceInput } from '../src/temporal/deployment';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import { orphanedServicesReason } from '../src/plan/blockers';
import { quick } from './activityOptions';
import { deployServiceChild, desiredFromRelease } from './serviceChild';

/**
 * Deploys every service of a stack: one child deployService per service (each holds its own
 * lock), services that others depend on first, independent ones in parallel. A failed service
 * stops the services that come after it.
 */
export async function deployStack(input: DeployStackInput): Promise<DeployStackResult> {
  const { desired } = input;
  // A service deleted from the repo would keep running with nobody deploying it: say so, and let
  // `deployer decommission` remove it on purpose, rather than report success.
  const inRepo = new Set(desired.services.map((service) => service.name));
  const orphans = (await quick.deployedServices({ stack: desired.stack, environment: desired.environment.name })).filter((service) => !inRepo.has(service));
  if (orphans.length) {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: 'failed' }]);
    const reason = orphanedServicesReason(desired.stack, desired.environment.name, orphans);
    return { services: [], phase: 'failed', reason };
  }
  const serviceOf = new Map(desired.services.flatMap((service) => service.components.map((component) => [component.id, service.name])));
  const nodes = desired.services.map((service) => ({
    id: service.name,
    dependsOn: [
      ...service.spec.dependsOn,
      ...service.components.flatMap((component) => component.dependsOn.map((dependency) => serviceOf.get(dependency) ?? '')),
    ].filter((dependency) => dependency && dependency !== service.name),
  }));
  const layering = computeWaves(nodes);
  if ('cycle' in layering) throw ApplicationFailure.nonRetryable(`services depend on each other in a cycle: ${layering.cycle.join(' -> ')}`, 'DependencyCycle');
  const results: DeployStackResult['services'] = [];
  for (const wave of layering.waves) {
    const outcomes = await Promise.all(
      wave.map(async (service) => {
        try {
          const result = await deployServiceChild({ desired, service, requestedBy: input.requestedBy, version: input.version, kind: 'deploy', request: input.request, allowReplace: input.allowReplace });
          return { service, phase: result.phase, reason: result.reason };
        } catch (error) {
          // A running deployService of the service is its lock: report it rather than wait.
          if (error instanceof ApplicationFailure && error.type === 'ServiceLocked') return { service, phase: 'locked', reason: `another deployment of ${service} is running (${error.details?.[0]})` };
          throw error;
        }
      }),
    );
    results.push(...outcomes);
    if (outcomes.some((outcome) => outcome.phase !== 'succeeded' && outcome.phase !== 'unchanged')) {
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: 'failed' }]);
      return { services: results, phase: 'failed' };
    }
  }
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: 'succeeded' }]);
  return { services: results, phase: 'succeeded' };
}

/**
 * Rolls a service back to an earlier good release (the one before the current, or a named version):
 * its components, service and environment settings as recorded then, deployed through deployService
 * (same lock, same health gate). It needs no checkout of the deployment repo.
 */
export async function rollbackService(input: RollbackServiceInput): Promise<DeployServiceResult> {
  const target = await quick.findRollbackTarget(input);
  return deployServiceChild({
    desired: desiredFromRelease(input.stack, input.environment, input.service, target),
    service: input.service,
    requestedBy: input.requestedBy,
    version: target.version,
    kind: 'rollback',
    reason: input.reason,
    request: input.request,
    allowReplace: input.allowReplace,
  });
}

/**
 * Removes every component of a service from an environment through deployService (kind
 * `decommission`): the same lock, approval where the environment requires it, and a release record
 * that says nothing runs any more. Works from the release history, so the service may already be
 * gone from the repo.
 */
export async function decommissionService(input: DecommissionServiceInput): Promise<DeployServiceResult> {
  const last = await quick.lastRelease(input);
  if (!last?.components.length) {
    throw ApplicationFailure.nonRetryable(`${input.service} runs nothing in ${input.environment} that deployer knows of: nothing to decommission`, 'NothingToDecommission');
  }
  const desired = desiredFromRelease(input.stack, input.environment, input.service, last);
  desired.services[0]!.components = [];
  return deployServiceChild({ desired, service: input.service, requestedBy: input.requestedBy, version: last.version, kind: 'decommission', reason: input.reason, request: input.request });
}
