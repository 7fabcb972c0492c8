import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { deployServiceWorkflowId, deployStackWorkflowId, DEPLOY_STACK_WORKFLOW, DeploymentProgress, progressQuery } from '../src/temporal/deployment';
import { checkPayloadSize } from '../src/temporal/payloadSize';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import type { DeployStackResult } from '../src/temporal/deployment';
import type { DeployRequest } from './deployInputs';
import { printable } from '../src/client/render/format';
import { SLOW_POLL_MS } from './followDeployment';
import { progressEvents } from './render/progress';
import { signedRequest } from './signing';
import { DeployerError } from '../src/errors';
import { resultThroughOutages } from '../src/temporal/workflowResult';

/**
 * Starts deployStack; its id is the stack-wide lock (one whole-stack apply per environment at a time).
 * An input Temporal would refuse as too large is a usage error, before anything starts.
 */
export async function startStackDeployment(client: Client, request: DeployRequest): Promise<WorkflowHandle> {
  const { desired } = request;
  const workflowId = deployStackWorkflowId(desired.stack, desired.environment.name);
  const input = { desired, requestedBy: request.requestedBy, version: request.version, request: await signedRequest({ action: 'deploy', stack: desired.stack, environment: desired.environment.name, version: request.version, requestedBy: request.requestedBy }, desired.environment.spec.approval.required, request.root), allowReplace: request.allowReplace };
  checkPayloadSize(input);
  try {
    return await client.workflow.start(DEPLOY_STACK_WORKFLOW, {
      workflowId,
      taskQueue: deployerTaskQueue(),
      workflowIdConflictPolicy: 'FAIL',
      args: [input],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: desired.stack },
        { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: desired.environment.name },
        { key: SEARCH_ATTRIBUTE_KEYS.Version, value: request.version },
        { key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: request.requestedBy },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new DeployerError(`${desired.stack} (${desired.environment.name}) is already being deployed as a whole (workflow ${workflowId}); wait for it: deployer status --stack ${desired.stack} --environment ${desired.environment.name} --follow`, 'LOCKED');
    }
    throw error;
  }
}

/** How often each service's progress is asked for; as seldom as one deployment's when nothing is printed (`--json`). */
const POLL_MS = 500;

/**
 * Reports each service's deployment as it progresses (one line per change) until the stack's ends;
 * returns its result and each service's last progress in it (for the summary's plans).
 */
export async function followStackDeployment(client: Client, handle: WorkflowHandle, request: DeployRequest, log?: (line: string) => void): Promise<{ result: DeployStackResult; progress: Map<string, DeploymentProgress> }> {
  const { desired } = request;
  const seen = new Map<string, DeploymentProgress>();
  /** Services whose run in this deployment ended and was read since: never asked again. */
  const ended = new Set<string>();
  const stackStarted = (await handle.describe()).startTime.getTime();
  const done = resultThroughOutages<DeployStackResult>(handle);
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  for (;;) {
    // Once the stack's deployment has ended, one more pass: a service's last changes (the last
    // component rolled back) may have come after the previous one.
    const lastPass = finished;
    for (const service of desired.services) {
      if (ended.has(service.name)) continue;
      const run = await serviceRun(client, deployServiceWorkflowId(desired.stack, desired.environment.name, service.name), stackStarted);
      if (!run) continue;
      if (run.ended) ended.add(service.name);
      const lines = progressEvents(seen.get(service.name), run.progress);
      seen.set(service.name, run.progress);
      for (const line of lines) log?.(`${service.name} ${line.trim()}`);
    }
    if (lastPass) return { result: await done, progress: seen };
    // Wakes at once when the deployment ends instead of a poll interval later.
    await Promise.race([new Promise((resolve) => setTimeout(resolve, log ? POLL_MS : SLOW_POLL_MS)), done.catch(() => undefined)]);
  }
}

/**
 * A service's run in this stack deployment: its progress, and whether it has ended. Undefined while
 * the service's id still names an earlier run (this deployment has not reached it), or nobody
 * answers. The run is described before it is queried: the query of a run that has ended makes the
 * worker replay its whole history (tens of milliseconds of CPU, twice a second per service), so an
 * earlier run is never queried and an ended one once.
 */
async function serviceRun(client: Client, workflowId: string, stackStarted: number): Promise<{ progress: DeploymentProgress; ended: boolean } | undefined> {
  const run = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
  if (!run || run.startTime.getTime() < stackStarted) return undefined;
  const progress = await client.workflow.getHandle(workflowId, run.runId).query(progressQuery).catch(() => undefined);
  return progress && { progress, ended: run.status.name !== 'RUNNING' };
}

/** How a stack deployment ended, a line per service. */
export function stackOutcome(result: DeployStackResult): string {
  const lines = result.services.map((service) => `${service.phase === 'succeeded' || service.phase === 'unchanged' ? '✓' : '✗'} ${service.service}: ${service.phase}${service.reason ? ` — ${service.reason}` : ''}`);
  if (result.reason) lines.push(`✗ Nothing was deployed: ${result.reason}`);
  return lines.map(printable).join('\n');
}
