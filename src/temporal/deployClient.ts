import { Client, WorkflowExecutionAlreadyStartedError, WorkflowHandle, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { CanaryProgress } from '../releases/canary';
import { checkPayloadSize } from './payloadSize';
import { SEARCH_ATTRIBUTE_KEYS } from './searchAttributes';
import { deployerTaskQueue } from './taskQueue';
import {
  ApprovalDecision,
  approvalUpdate,
  ApprovalState,
  canaryDecisionUpdate,
  deployServiceWorkflowId,
  DeployServiceInput,
  DEPLOY_SERVICE_WORKFLOW,
  DeployServiceResult,
  progressQuery,
  DeploymentProgress,
} from './deployment';
import { ApprovalRefusedError, NotWaitingError, ServiceLockedError } from '../errors';
import { resultThroughOutages } from './workflowResult';

/**
 * Starts deployService for one service. The workflow id is the lock: if a deployment of the service
 * runs, this fails with ServiceLockedError naming who holds it, since when, and the workflow id;
 * an input Temporal would refuse as too large fails first, with PayloadTooLargeError.
 */
export async function startServiceDeployment(client: Client, input: DeployServiceInput, taskQueue = deployerTaskQueue()): Promise<WorkflowHandle> {
  checkPayloadSize(input);
  const workflowId = deployServiceWorkflowId(input.desired.stack, input.desired.environment.name, input.service);
  try {
    return await client.workflow.start(DEPLOY_SERVICE_WORKFLOW, {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: input.desired.stack },
        { key: SEARCH_ATTRIBUTE_KEYS.Service, value: input.service },
        { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: input.desired.environment.name },
        { key: SEARCH_ATTRIBUTE_KEYS.Version, value: input.version },
        { key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: input.requestedBy },
        { key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: 'planning' },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ServiceLockedError({ stack: input.desired.stack, environment: input.desired.environment.name, service: input.service, workflowId }, await lockHolder(client, workflowId));
    throw error;
  }
}

/** Who holds a service's lock: the running workflow's requester, start time and version. */
export async function lockHolder(client: Client, workflowId: string): Promise<ServiceLockedError['holder']> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    // A running canary is worth naming: aborting it is the quick way back to the stable version.
    const progress = await deploymentProgress(handle).catch(() => undefined);
    return {
      requestedBy: description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.DeployedBy),
      version: description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.Version),
      since: description.startTime,
      canary: progress?.canaries?.find((canary) => canary.state === 'running')?.component,
    };
  } catch {
    return {};
  }
}

export async function deploymentProgress(handle: WorkflowHandle): Promise<DeploymentProgress> {
  return handle.query(progressQuery);
}

export async function deploymentResult(handle: WorkflowHandle): Promise<DeployServiceResult> {
  return resultThroughOutages<DeployServiceResult>(handle);
}

/**
 * Sends an approver's decision to a waiting deployment as its approval Update (the CLI's approve /
 * reject and the Slack app's buttons). The workflow's validator decides who may: a refusal is an
 * ApprovalRefusedError carrying its reason; a deployment that is not running is a NotWaitingError.
 */
export function sendApprovalDecision(client: Client, workflowId: string, decision: ApprovalDecision): Promise<ApprovalState> {
  return sendDecision(client, workflowId, approvalUpdate, decision);
}

/** Sends a decision on a running canary (promote or abort) as its Update; refusals as for approvals. */
export function sendCanaryDecision(client: Client, workflowId: string, decision: ApprovalDecision): Promise<CanaryProgress> {
  return sendDecision(client, workflowId, canaryDecisionUpdate, decision);
}

async function sendDecision<Result>(client: Client, workflowId: string, update: UpdateDefinition<Result, [ApprovalDecision]>, decision: ApprovalDecision): Promise<Result> {
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(update, { args: [decision] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new ApprovalRefusedError((error.cause as Error | undefined)?.message ?? error.message);
    if (error instanceof WorkflowNotFoundError || /not found|already completed/i.test((error as Error).message)) throw new NotWaitingError(workflowId);
    throw error;
  }
}

/**
 * Whether a workflow with this id runs now (a service's lock is held). Only "no such workflow" means
 * no: any other failure (Temporal unreachable, permission denied) is thrown, so that it is never
 * reported as "nothing is deploying".
 */
export async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
