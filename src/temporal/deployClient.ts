import { Client, WorkflowExecutionAlreadyStartedError, WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUE } from './contracts';
import { SEARCH_ATTRIBUTE_KEYS } from './searchAttributes';
import {
  deployServiceWorkflowId,
  DeployServiceInput,
  DEPLOY_SERVICE_WORKFLOW,
  DeployServiceResult,
  progressQuery,
  DeploymentProgress,
} from './deployment';

/** Someone else's deployment of the service is running: the lock is held. */
export class ServiceLockedError extends Error {
  readonly code = 'LOCKED';

  constructor(
    readonly workflowId: string,
    readonly holder: { requestedBy?: string; since?: Date; version?: string },
  ) {
    super(
      `${workflowId.split('/').slice(1).join('/')} is locked: ${holder.requestedBy ?? 'someone'} is deploying${holder.version ? ` ${holder.version}` : ''}` +
        `${holder.since ? ` since ${holder.since.toISOString()}` : ''} (workflow ${workflowId}). Wait for it (deployer status --follow), or if it is stale: deployer unlock --force.`,
    );
  }
}

/**
 * Starts deployService for one service. The workflow id is the lock: if a deployment of the service
 * runs, this fails with ServiceLockedError naming who holds it, since when, and the workflow id.
 */
export async function startServiceDeployment(client: Client, input: DeployServiceInput, taskQueue = TASK_QUEUE): Promise<WorkflowHandle> {
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
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ServiceLockedError(workflowId, await lockHolder(client, workflowId));
    throw error;
  }
}

/** Who holds a service's lock: the running workflow's requester, start time and version. */
export async function lockHolder(client: Client, workflowId: string): Promise<ServiceLockedError['holder']> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return {
      requestedBy: description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.DeployedBy),
      version: description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.Version),
      since: description.startTime,
    };
  } catch {
    return {};
  }
}

export async function deploymentProgress(handle: WorkflowHandle): Promise<DeploymentProgress> {
  return handle.query(progressQuery);
}

export async function deploymentResult(handle: WorkflowHandle): Promise<DeployServiceResult> {
  return (await handle.result()) as DeployServiceResult;
}
