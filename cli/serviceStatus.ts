import type { Client } from '@temporalio/client';
import type { EnvironmentSpec } from '../src/model/schema';
import { serviceDeployment } from '../src/client/runningDeployment';
import type { RunningDeployment } from '../src/client/render/status';
import type { TemporalSettings } from '../src/temporal/connection';
import { observerFor } from './observe';
import { DeployerError, rootCause } from '../src/errors';

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
  let deployment: Awaited<ReturnType<typeof serviceDeployment>>;
  try {
    deployment = await serviceDeployment(client, stack, environment, service);
  } catch (error) {
    throw new DeployerError(
      `Temporal at ${temporal.settings.address} did not say whether ${service} is being deployed to ${environment} (${rootCause(error).message}). Check that it runs: \`deployer dev status\` for the local one.`,
      'TEMPORAL_UNREACHABLE',
    );
  }
  if (!deployment) return undefined;
  const { workflowId } = deployment;
  return {
    ...deployment,
    follow: async (quiet) => {
      const { followDeployment } = await import('./followDeployment');
      const { liveReplicas } = await import('./liveReplicas');
      const observer = environmentSpec && !quiet ? await observerFor(environmentSpec).catch(() => undefined) : undefined;
      await followDeployment(client.workflow.getHandle(workflowId), { out: process.stderr, quiet, live: observer && liveReplicas(observer) });
    },
  };
}
