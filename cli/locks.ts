// `deployer state locks` and `deployer unlock`: a service's lock is its running deployService
// workflow (workflow id deploy/<stack>/<environment>/<service>, conflict policy FAIL). Listing reads
// Temporal's visibility; a forced unlock terminates the workflow and has the worker record it.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { DEPLOY_SERVICE_WORKFLOW, DeploymentProgress, parseDeployServiceWorkflowId, progressQuery } from '../src/temporal/deployment';
import {
  forcedUnlockReason,
  forcedUnlockWorkflowId,
  RecordForcedUnlockInput,
  RecordForcedUnlockResult,
  RECORD_FORCED_UNLOCK_WORKFLOW,
} from '../src/temporal/forcedUnlock';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import type { EndedLock, HeldLock, LockScope } from './render/locks';
import { signedRequest } from './signing';
import { workflowUrl } from './temporalUi';
import { DeployerError, rootCause } from '../src/errors';
import { withTimeout } from '../src/withTimeout';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Stack, environment and service names as the deployment repo allows them; anything else would also break the visibility query. */
export function checkName(flag: string, value: string): string {
  if (!NAME.test(value)) throw new DeployerError(`--${flag} "${value}" is not a valid name: lowercase letters, digits and dashes, starting with a letter.`, 'BAD_NAME');
  return value;
}

/** The visibility query for the locks of a scope: running deployService workflows. */
export function locksQuery(scope: LockScope): string {
  return [
    `WorkflowType='${DEPLOY_SERVICE_WORKFLOW}'`,
    `ExecutionStatus='Running'`,
    `Stack='${scope.stack}'`,
    `Environment='${scope.environment}'`,
    ...(scope.service ? [`Service='${scope.service}'`] : []),
  ].join(' AND ');
}

export interface ListLocksOptions {
  namespace: string;
  uiUrl?: string;
  /** How long a workflow may take to answer its progress query before its search attribute is used. */
  queryTimeoutMs?: number;
}

/** Who holds which lock in a stack and environment, by service name. */
export async function listLocks(client: Client, scope: LockScope, options: ListLocksOptions): Promise<HeldLock[]> {
  const executions: WorkflowExecutionInfo[] = [];
  for await (const execution of client.workflow.list({ query: locksQuery(scope) })) executions.push(execution);
  const locks = await Promise.all(executions.map((execution) => lockOf(client, execution, scope, options)));
  return locks.sort((a, b) => a.service.localeCompare(b.service));
}

async function lockOf(client: Client, execution: WorkflowExecutionInfo, scope: LockScope, options: ListLocksOptions): Promise<HeldLock> {
  const attributes = execution.typedSearchAttributes;
  const progress = await quickProgress(client, execution, options.queryTimeoutMs ?? 2000);
  return {
    stack: scope.stack,
    environment: scope.environment,
    service: attributes.get(SEARCH_ATTRIBUTE_KEYS.Service) ?? parseDeployServiceWorkflowId(execution.workflowId)?.service ?? execution.workflowId,
    heldBy: progress?.requestedBy ?? attributes.get(SEARCH_ATTRIBUTE_KEYS.DeployedBy),
    version: progress?.version ?? attributes.get(SEARCH_ATTRIBUTE_KEYS.Version),
    kind: progress?.kind,
    since: execution.startTime.toISOString(),
    phase: progress?.phase ?? attributes.get(SEARCH_ATTRIBUTE_KEYS.DeployStatus) ?? 'unknown',
    phaseSource: progress ? 'progress' : 'search-attribute',
    workflowId: execution.workflowId,
    runId: execution.runId,
    url: workflowUrl(options.uiUrl, options.namespace, execution.workflowId),
  };
}

/** The workflow's own account of its progress, if a worker answers within the timeout. */
async function quickProgress(client: Client, execution: WorkflowExecutionInfo, timeoutMs: number): Promise<DeploymentProgress | undefined> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(execution.workflowId, execution.runId).query(progressQuery));
  } catch {
    return undefined;
  }
}

export interface ForceUnlockOptions {
  /** Who forces it (also the client's identity, so the workflow history shows it). */
  by: string;
  reason: string;
  /** How long to wait for the worker to record the unlock before reporting it pending. */
  recordTimeoutMs?: number;
  now?: () => Date;
}

/**
 * Ends the deployments holding the locks: terminates each workflow with the reason
 * `forced unlock by <by>: <reason>`, then runs recordForcedUnlock in the worker (a release record
 * and a lock-forced notification) and waits for it. `client` should carry `identity: by`.
 */
export async function forceUnlock(client: Client, locks: HeldLock[], options: ForceUnlockOptions): Promise<EndedLock[]> {
  const now = options.now ?? (() => new Date());
  return Promise.all(
    locks.map(async (lock): Promise<EndedLock> => {
      try {
        await client.workflow.getHandle(lock.workflowId, lock.runId).terminate(forcedUnlockReason(options.by, options.reason));
      } catch (error) {
        // It finished by itself between listing and ending it: the lock is free, nothing was forced.
        if (error instanceof WorkflowNotFoundError) return { ...lock, terminated: false };
        throw error;
      }
      const input: RecordForcedUnlockInput = {
        stack: lock.stack,
        environment: lock.environment,
        service: lock.service,
        workflowId: lock.workflowId,
        runId: lock.runId,
        heldBy: lock.heldBy,
        version: lock.version,
        startedAt: lock.since,
        phase: lock.phase,
        by: options.by,
        reason: options.reason,
        request: await signedRequest({ action: 'unlock', stack: lock.stack, environment: lock.environment, version: lock.version ?? '', requestedBy: options.by }, true),
      };
      const recordWorkflowId = forcedUnlockWorkflowId(lock.stack, lock.environment, lock.service, now());
      const handle = await client.workflow.start(RECORD_FORCED_UNLOCK_WORKFLOW, {
        workflowId: recordWorkflowId,
        taskQueue: deployerTaskQueue(),
        args: [input],
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: lock.stack },
          { key: SEARCH_ATTRIBUTE_KEYS.Service, value: lock.service },
          { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: lock.environment },
          { key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: options.by },
        ],
      });
      // Caught here so a result that arrives after the timeout (or after the connection closed) is never an unhandled rejection.
      const result = (handle.result() as Promise<RecordForcedUnlockResult>).then(
        (record) => ({ record }),
        (error: Error) => ({ error: rootCause(error).message }),
      );
      const outcome = await withTimeout(result, options.recordTimeoutMs ?? 15000);
      if (!outcome) return { ...lock, terminated: true, record: 'pending', recordWorkflowId };
      if ('error' in outcome) return { ...lock, terminated: true, recordError: outcome.error, recordWorkflowId };
      return { ...lock, terminated: true, record: outcome.record, recordWorkflowId };
    }),
  );
}
