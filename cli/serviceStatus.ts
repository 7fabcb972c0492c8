import type { Client } from '@temporalio/client';
import type { EnvironmentSpec } from '../src/model/schema';
import { isRunning } from '../src/temporal/deployClient';
import { deployServiceWorkflowId, progressQuery } from '../src/temporal/deployment';
import type { RunningDeployment } from '../src/client/render/status';
import type { TemporalSettings } from '../src/temporal/connection';
import { observerFor } from './observe';
import { DeployerError, rootCause } from '../src/errors';

/** A query is answered by a worker in milliseconds; without one polling it would wait much longer. */
const PROGRESS_QUERY_TIMEOUT_MS = 3000;

/**
 * The running deployment of a service, if any, with a way to follow it to its end. Temporal failing
 * to answer is an error (TEMPORAL_UNREACHABLE), never "nothing is deploying".
 */
export async function runningDeployment(
  temporal: { client: Client; settings: TemporalSettings },
  stack: string,
  environment: string,
  service: string,
  /** The environment's target, to show live replicas while following (timings only without it). */
  environmentSpec?: EnvironmentSpec,
): Promise<{ workflowId: string; progress?: RunningDeployment; follow: (quiet: boolean) => Promise<void> } | undefined> {
  const { client } = temporal;
  const workflowId = deployServiceWorkflowId(stack, environment, service);
  let running: boolean;
  try {
    running = await isRunning(client, workflowId);
  } catch (error) {
    throw new DeployerError(
      `Temporal at ${temporal.settings.address} did not say whether ${service} is being deployed to ${environment} (${rootCause(error).message}). Check that it runs: \`deployer dev status\` for the local one.`,
      'TEMPORAL_UNREACHABLE',
    );
  }
  if (!running) return undefined;
  // Where it is, for `status` to say; a deployment that ended meanwhile or a worker that does not
  // answer the query leaves just "a deployment is running".
  const asked = client.workflow
    .getHandle(workflowId)
    .query(progressQuery)
    .then(({ version, requestedBy, phase, startedAt, canaries }): RunningDeployment => ({ version, requestedBy, phase, startedAt, canaries }))
    .catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), PROGRESS_QUERY_TIMEOUT_MS)));
  const progress = await Promise.race([asked, unanswered]).finally(() => clearTimeout(timer));
  return {
    workflowId,
    progress,
    follow: async (quiet) => {
      const { followDeployment } = await import('./followDeployment');
      const { liveReplicas } = await import('./liveReplicas');
      const observer = environmentSpec && !quiet ? await observerFor(environmentSpec).catch(() => undefined) : undefined;
      await followDeployment(client.workflow.getHandle(workflowId), { out: process.stderr, quiet, live: observer && liveReplicas(observer) });
    },
  };
}
