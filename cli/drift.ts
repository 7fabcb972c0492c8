// `deployer drift ...`: the drift workflows run in the worker (its state dir holds the Pulumi state,
// the releases and the drift findings), so every command goes through Temporal; only acknowledge
// edits this checkout. Kept apart from the oclif commands so it can be tested without a CLI process.
import type { Client } from '@temporalio/client';
import {
  DetectDriftInput,
  DetectDriftResult,
  detectDriftWorkflowId,
  DETECT_DRIFT_WORKFLOW,
  IgnoreDriftInput,
  IgnoreDriftResult,
  ignoreDriftWorkflowId,
  IGNORE_DRIFT_WORKFLOW,
  RemediateDriftInput,
  RemediateDriftResult,
  remediateDriftWorkflowId,
  REMEDIATE_DRIFT_WORKFLOW,
} from '../src/temporal/drift';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import { findServiceStack } from '../src/client/locate';
import { checkName } from './locks';
import { findRepoRoot } from './flags';
import { stackFromDeployments } from './rollback';
import { applyNextStep } from '../src/client/applyCommand';
import { ConnectionFlags, connectTemporal } from './temporalClient';
import { DeployerError, rootCause } from '../src/errors';
import { driftExitCode } from './exitCodes';
import { resultThroughOutages } from '../src/temporal/workflowResult';

export interface DriftOptions {
  namespace: string;
  /** The worker's task queue; default deployerTaskQueue(). */
  taskQueue?: string;
  now?: Date;
  onStarted?: (workflowId: string) => void;
}

/** The repo root when there is a deployment repo here (or --repo), else undefined: drift needs none except for acknowledge. */
export function optionalRepoRoot(repo: string | undefined): string | undefined {
  try {
    return findRepoRoot(repo);
  } catch (error) {
    if (error instanceof DeployerError && error.code === 'NO_REPO') return undefined;
    throw error;
  }
}

interface DriftFlags extends ConnectionFlags {
  environment: string;
  service?: string;
  stack?: string;
  repo?: string;
}

/** The service (or, for a whole stack, none), its stack and environment, and the Temporal client to reach the worker. */
export interface DriftTarget<S extends string | undefined> {
  client: Client;
  namespace: string;
  /** The deployment repo, when there is one here (or --repo). */
  root?: string;
  stack: string;
  environment: string;
  service: S;
}

/**
 * What `drift detect`, `remediate` and `ignore` start from: the names checked, the deployment repo
 * when there is one, a Temporal connection and the service's stack. The connection closes when `use` ends.
 */
export async function withDriftTarget<F extends DriftFlags, T>(flags: F, use: (target: DriftTarget<F['service']>) => Promise<T>): Promise<T> {
  const environment = checkName('environment', flags.environment);
  const service = (flags.service === undefined ? undefined : checkName('service', flags.service)) as F['service'];
  const root = optionalRepoRoot(flags.repo);
  const temporal = await connectTemporal(flags);
  try {
    const stack = await driftStack(temporal.client, { root, stack: flags.stack === undefined ? undefined : checkName('stack', flags.stack), service, environment });
    return await use({ client: temporal.client, namespace: temporal.settings.namespace, root, stack, environment, service });
  } finally {
    await temporal.close();
  }
}

/** The service's stack: --stack, else the deployment repo's, else the one its deployments were recorded under. */
export async function driftStack(client: Client, options: { root?: string; stack?: string; service?: string; environment: string }): Promise<string> {
  if (!options.service) {
    if (!options.stack) throw new DeployerError('say what to check: --service SERVICE, or --stack STACK for every service of it', 'NOTHING_SELECTED');
    return options.stack;
  }
  if (options.root) return findServiceStack(options.root, options.service, options.stack);
  return options.stack ?? (await stackFromDeployments(client, options.service, options.environment));
}

/** Refuses at once when no worker polls the task queue: the workflow would wait for one forever. */
export async function assertWorker(client: Client, namespace: string, taskQueue: string): Promise<void> {
  const { pollers } = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue } });
  if (pollers.length === 0) {
    throw new DeployerError(
      `no deployer worker polls task queue "${taskQueue}" in namespace ${namespace}, so nothing would check for drift. Start the local one with \`deployer dev start\` (see \`deployer dev status\`).`,
      'NO_WORKER',
    );
  }
}

function searchAttributes(input: { stack: string; environment: string; service?: string }, by?: string) {
  return [
    { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: input.stack },
    { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: input.environment },
    ...(input.service ? [{ key: SEARCH_ATTRIBUTE_KEYS.Service, value: input.service }] : []),
    ...(by ? [{ key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: by }] : []),
  ];
}

/** Runs detectDrift in the worker and waits for its report. */
export async function detectDrift(client: Client, input: DetectDriftInput, options: DriftOptions): Promise<{ workflowId: string; result: DetectDriftResult }> {
  const taskQueue = options.taskQueue ?? deployerTaskQueue();
  await assertWorker(client, options.namespace, taskQueue);
  const workflowId = detectDriftWorkflowId(input.stack, input.environment, input.service, options.now ?? new Date());
  const handle = await client.workflow.start(DETECT_DRIFT_WORKFLOW, { workflowId, taskQueue, args: [input], typedSearchAttributes: searchAttributes(input, input.requestedBy) });
  options.onStarted?.(workflowId);
  let result: DetectDriftResult;
  try {
    result = await resultThroughOutages<DetectDriftResult>(handle);
  } catch (error) {
    throw new DeployerError(`drift detection of ${input.service ?? input.stack} in ${input.environment} failed: ${rootCause(error).message} (workflow ${workflowId})`, 'DRIFT_CHECK_FAILED');
  }
  if (input.service && result.services[0]?.status === 'not-deployed') {
    throw new DeployerError(
      `${input.service} has never been deployed successfully to ${input.environment}, so there is no desired state to compare with. Deploy it first: ${applyNextStep({ stack: input.stack, service: input.service, environment: input.environment })}`,
      'NOT_DEPLOYED',
    );
  }
  return { workflowId, result };
}

/** 5 when something drifted, 1 when a component could not be checked (and nothing drifted), else 0. */
export function detectExitCode(result: DetectDriftResult): number {
  return driftExitCode(result.drifted, result.services.some((service) => service.components.some((component) => component.status === 'error')));
}

export async function remediateDrift(client: Client, input: RemediateDriftInput, options: DriftOptions): Promise<{ workflowId: string; result: RemediateDriftResult; durationMs: number }> {
  const taskQueue = options.taskQueue ?? deployerTaskQueue();
  await assertWorker(client, options.namespace, taskQueue);
  const started = Date.now();
  const workflowId = remediateDriftWorkflowId(input.stack, input.environment, input.service, options.now ?? new Date());
  const handle = await client.workflow.start(REMEDIATE_DRIFT_WORKFLOW, { workflowId, taskQueue, args: [input], typedSearchAttributes: searchAttributes(input, input.requestedBy) });
  options.onStarted?.(workflowId);
  let result: RemediateDriftResult;
  try {
    result = await resultThroughOutages<RemediateDriftResult>(handle);
  } catch (error) {
    const cause = rootCause(error) as { type?: string; message: string };
    if (cause.type === 'ServiceLocked') throw new DeployerError(`${cause.message}. Wait for it (deployer status --service ${input.service} --environment ${input.environment} --follow), then remediate.`, 'LOCKED');
    if (cause.type === 'NotDeployed') throw new DeployerError(cause.message, 'NOT_DEPLOYED');
    throw new DeployerError(`remediating ${input.service} in ${input.environment} failed: ${cause.message} (workflow ${workflowId})`, 'REMEDIATE_FAILED');
  }
  if (result.phase !== 'succeeded' && result.phase !== 'unchanged' && result.phase !== 'no-drift') {
    throw new DeployerError(
      `remediating ${input.service} in ${input.environment} ended ${result.phase}${result.reason ? `: ${result.reason}` : ''} (deployment ${result.workflowId ?? workflowId}). What runs is what ran before; see deployer status --service ${input.service} --environment ${input.environment}.`,
      'REMEDIATE_FAILED',
    );
  }
  return { workflowId, result, durationMs: Date.now() - started };
}

export async function ignoreDrift(client: Client, input: IgnoreDriftInput, options: DriftOptions): Promise<{ workflowId: string; result: IgnoreDriftResult }> {
  const taskQueue = options.taskQueue ?? deployerTaskQueue();
  await assertWorker(client, options.namespace, taskQueue);
  const workflowId = ignoreDriftWorkflowId(input.stack, input.environment, input.service, options.now ?? new Date());
  const result = (await client.workflow.execute(IGNORE_DRIFT_WORKFLOW, { workflowId, taskQueue, args: [input] })) as IgnoreDriftResult;
  return { workflowId, result };
}
