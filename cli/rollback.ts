// `deployer rollback`: starts the rollbackService workflow (which deploys an earlier release through
// deployService: same lock, same health gate) and reads its outcome.
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { deploymentProgress, lockHolder } from '../src/temporal/deployClient';
import { deployServiceWorkflowId, DeploymentProgress, DeployServiceResult, ROLLBACK_SERVICE_WORKFLOW, RollbackServiceInput } from '../src/temporal/deployment';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import { lockedMessage } from './render/locks';
import { rollbackFailedMessage, RollbackOutcome, RollbackRequest } from './render/rollback';
import { signedRequest } from './signing';
import { parseComponentId } from '../src/model/componentRef';
import { causes, DeployerError } from '../src/errors';
import { resultThroughOutages } from '../src/temporal/workflowResult';

export function rollbackWorkflowId(stack: string, environment: string, service: string, at: Date): string {
  return `rollback/${stack}/${environment}/${service}/${at.toISOString()}`;
}

/** The locked error (exit 3) naming who holds the service's lock, from the running deployService. */
export async function lockedError(client: Client, request: Pick<RollbackRequest, 'stack' | 'environment' | 'service'>, now = new Date()): Promise<DeployerError> {
  const workflowId = deployServiceWorkflowId(request.stack, request.environment, request.service);
  const holder = await lockHolder(client, workflowId);
  const message = lockedMessage(
    'roll back',
    { ...request, workflowId, heldBy: holder.requestedBy, version: holder.version, since: holder.since?.toISOString(), canary: holder.canary },
    now,
  );
  return new DeployerError(message, 'LOCKED');
}

/** Refuses up front (exit 3) when a deployment of the service runs: no rollback workflow is started then. */
export async function assertNotLocked(client: Client, request: RollbackRequest): Promise<void> {
  const workflowId = deployServiceWorkflowId(request.stack, request.environment, request.service);
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    if (description.status.name === 'RUNNING') throw await lockedError(client, request);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    throw error;
  }
}

export async function startRollback(client: Client, request: RollbackRequest, options: { taskQueue?: string; now?: Date } = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
  // Signed whenever a key is at hand: where approval is required only a proven requester may roll back.
  const signed = await signedRequest({ action: 'rollback', stack: request.stack, environment: request.environment, version: request.toVersion ?? 'last-good', requestedBy: request.requestedBy }, true);
  const input: RollbackServiceInput = { ...request, request: signed };
  return client.workflow.start(ROLLBACK_SERVICE_WORKFLOW, {
    workflowId: rollbackWorkflowId(request.stack, request.environment, request.service, options.now ?? new Date()),
    taskQueue: options.taskQueue ?? deployerTaskQueue(),
    args: [input],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: request.stack },
      { key: SEARCH_ATTRIBUTE_KEYS.Service, value: request.service },
      { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: request.environment },
      { key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: request.requestedBy },
    ],
  });
}

/**
 * Waits for the rollback; a failure to roll back is a DeployerError (exit 3 when locked, else 1).
 * Where the environment requires approval, `onApprovalNeeded` hears once that an approver must act.
 */
export async function awaitRollback(client: Client, handle: WorkflowHandle, request: RollbackRequest, url?: string, onApprovalNeeded?: (progress: DeploymentProgress) => void): Promise<RollbackOutcome> {
  const started = Date.now();
  let result: DeployServiceResult;
  try {
    const ended = resultThroughOutages<DeployServiceResult>(handle);
    if (onApprovalNeeded) void watchForApproval(client, request, ended, onApprovalNeeded);
    result = await ended;
  } catch (error) {
    if (isLockConflict(error)) throw await lockedError(client, request);
    throw rollbackError(error, request, handle.workflowId);
  }
  const outcome = outcomeOf(result, request, handle.workflowId, Date.now() - started, url);
  if (outcome.phase !== 'succeeded' && outcome.phase !== 'unchanged') {
    throw new DeployerError(rollbackFailedMessage(outcome), 'ROLLBACK_FAILED');
  }
  return outcome;
}

/** Polls the service's deployment (a rollback's or decommission's child) until `ended` settles; reports the first time it waits for approval. */
export async function watchForApproval(client: Client, request: RollbackRequest, ended: Promise<unknown>, report: (progress: DeploymentProgress) => void): Promise<void> {
  const deployment = client.workflow.getHandle(deployServiceWorkflowId(request.stack, request.environment, request.service));
  let done = false;
  void ended.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    const progress = await deploymentProgress(deployment).catch(() => undefined);
    if (progress?.phase === 'awaiting-approval') return report(progress);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 500)), ended.catch(() => undefined)]);
  }
}

export function outcomeOf(result: DeployServiceResult, request: RollbackRequest, workflowId: string, waitedMs: number, url?: string): RollbackOutcome {
  const { progress } = result;
  const finished = progress.finishedAt ? Date.parse(progress.finishedAt) : NaN;
  const durationMs = Number.isNaN(finished) ? waitedMs : finished - Date.parse(progress.startedAt);
  return {
    workflowId,
    stack: request.stack,
    environment: request.environment,
    service: request.service,
    phase: result.phase,
    version: progress.version,
    durationMs,
    requestedBy: request.requestedBy,
    reason: request.reason,
    changed: progress.waves.flatMap((wave) => wave.components.filter((component) => component.state === 'done').map((component) => parseComponentId(component.id)?.component ?? component.id)),
    url,
  };
}

/** The rollback could not start its deployService: another deployment of the service holds the lock. */
export function isLockConflict(error: unknown): boolean {
  return causes(error).some((cause) => cause instanceof WorkflowExecutionAlreadyStartedError || (cause instanceof ApplicationFailure && cause.type === 'ServiceLocked'));
}

/** A failed rollback workflow as a message the user can act on. */
export function rollbackError(error: unknown, request: RollbackRequest, workflowId: string): unknown {
  const chain = causes(error);
  if (chain.length === 0) return error;
  const noTarget = chain.find((cause) => cause instanceof ApplicationFailure && cause.type === 'NoRollbackTarget');
  if (noTarget) {
    return new DeployerError(
      `${noTarget.message}. Nothing was changed. See the releases with \`deployer history --service ${request.service} --environment ${request.environment}\`.`,
      'NO_ROLLBACK_TARGET',
    );
  }
  const terminated = chain.find((cause) => cause instanceof TerminatedFailure);
  if (terminated) {
    return new DeployerError(`the rollback of ${request.service} in ${request.environment} was ended before it finished (terminated: ${terminated.message}; workflow ${workflowId}).`, 'ROLLBACK_ENDED');
  }
  if (chain.some((cause) => cause instanceof CancelledFailure)) {
    return new DeployerError(`the rollback of ${request.service} in ${request.environment} was cancelled (workflow ${workflowId}).`, 'ROLLBACK_CANCELLED');
  }
  const deepest = chain[chain.length - 1]!;
  return new DeployerError(`the rollback of ${request.service} in ${request.environment} failed: ${deepest.message} (workflow ${workflowId}).`, 'ROLLBACK_FAILED');
}

/**
 * The stack of a service when neither --stack nor a deployment repo says: the one its deployments
 * to the environment were recorded under in Temporal.
 */
export async function stackFromDeployments(client: Client, service: string, environment: string): Promise<string> {
  const stacks = new Set<string>();
  let seen = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowType='deployService' AND Service='${service}' AND Environment='${environment}'`, pageSize: 50 })) {
    const stack = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.Stack);
    if (stack) stacks.add(stack);
    if (++seen >= 50) break;
  }
  if (stacks.size === 1) return [...stacks][0]!;
  if (stacks.size > 1) throw new DeployerError(`${service} was deployed to ${environment} in ${stacks.size} stacks: ${[...stacks].sort().join(', ')}. Pass --stack to choose one.`, 'AMBIGUOUS_SERVICE');
  throw new DeployerError(`no deployment of ${service} to ${environment} is recorded, and there is no deployment repo here to find its stack in. Pass --stack, or run inside the deployment repo.`, 'UNKNOWN_SERVICE');
}
