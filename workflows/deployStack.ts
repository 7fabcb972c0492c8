import { ApplicationFailure, ParentClosePolicy, proxyActivities, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { DeployerActivities } from '../activities';
import type { DesiredStack } from '../src/model/types';
import { computeWaves } from '../src/plan/waves';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import {
  deployServiceWorkflowId,
  DeployServiceResult,
  DeployStackInput,
  DEPLOY_SERVICE_WORKFLOW,
  RollbackServiceInput,
} from '../src/temporal/deployment';

const quick = proxyActivities<DeployerActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

export interface DeployStackResult {
  services: { service: string; phase: string; reason?: string }[];
  phase: 'succeeded' | 'failed';
}

/**
 * Deploys every service of a stack: one child deployService per service (each holds its own
 * lock), services that others depend on first, independent ones in parallel. A failed service
 * stops the services that come after it.
 */
export async function deployStack(input: DeployStackInput): Promise<DeployStackResult> {
  const { desired } = input;
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
        // A running deployService of the service is its lock: report it rather than wait.
        const child = await startChild(DEPLOY_SERVICE_WORKFLOW, {
          workflowId: deployServiceWorkflowId(desired.stack, desired.environment.name, service),
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          args: [{ desired, service, requestedBy: input.requestedBy, version: input.version, kind: 'deploy' as const }],
          typedSearchAttributes: searchAttributes(desired.stack, service, desired.environment.name, input.version, input.requestedBy),
        });
        const result = (await child.result()) as DeployServiceResult;
        return { service, phase: result.phase, reason: result.reason };
      }).map((started, index) =>
        started.catch((error: unknown) => {
          if (error instanceof WorkflowExecutionAlreadyStartedError) {
            return { service: wave[index]!, phase: 'locked', reason: `another deployment of ${wave[index]} is running (${deployServiceWorkflowId(desired.stack, desired.environment.name, wave[index]!)})` };
          }
          throw error;
        }),
      ),
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
  const desired: DesiredStack = {
    stack: input.stack,
    environment: { name: input.environment, spec: target.environmentSpec },
    services: [
      {
        name: input.service,
        stack: input.stack,
        spec: target.serviceSpec,
        annotations: {},
        components: target.components.map((component) => ({ ...component, source: { file: '', line: 0, col: 0 } })),
        source: { file: '', line: 0, col: 0 },
      },
    ],
    groups: target.groups,
    slackUsers: {},
    commit: target.commit,
    variables: {},
  };
  const workflowId = deployServiceWorkflowId(input.stack, input.environment, input.service);
  const child = await startChild(DEPLOY_SERVICE_WORKFLOW, {
    workflowId,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    args: [{ desired, service: input.service, requestedBy: input.requestedBy, version: target.version, kind: 'rollback' as const, reason: input.reason }],
    typedSearchAttributes: searchAttributes(input.stack, input.service, input.environment, target.version, input.requestedBy),
  }).catch((error: unknown) => {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw ApplicationFailure.nonRetryable(`${input.service} in ${input.environment} is locked by a running deployment (${workflowId})`, 'ServiceLocked', workflowId);
    }
    throw error;
  });
  return (await child.result()) as DeployServiceResult;
}

function searchAttributes(stack: string, service: string, environment: string, version: string, requestedBy: string) {
  return [
    { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: stack },
    { key: SEARCH_ATTRIBUTE_KEYS.Service, value: service },
    { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: environment },
    { key: SEARCH_ATTRIBUTE_KEYS.Version, value: version },
    { key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: requestedBy },
    { key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: 'planning' },
  ];
}
