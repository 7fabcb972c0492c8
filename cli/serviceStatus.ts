import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { ComponentKind, EnvironmentSpec } from '../src/model/schema';
import type { ServiceReleases } from '../src/temporal/releaseReads';
import { isRunning } from '../src/temporal/deployClient';
import { deployServiceWorkflowId } from '../src/temporal/deployment';
import type { TemporalSettings } from '../src/temporal/connection';
import { DeployerError, EXIT } from './baseCommand';
import { rootCause } from './errorCauses';
import { componentKind, listDirs } from './locate';
import { observedState, observerFor, observing, requireEnvironment } from './observe';
import type { ComponentStatusRow, ServiceStatus } from './render/status';

/**
 * The service's components as last released (from the worker's release log), each with what runs now
 * (state, health) from the target's observer. Without `releases` (the worker could not be asked)
 * the components are the repo's, and the last deployment is unknown.
 */
export async function gatherServiceStatus(options: { root: string; stack: string; environment: string; service: string; releases?: ServiceReleases; deploying?: string }): Promise<ServiceStatus> {
  const spec = requireEnvironment(options.root, options.environment);
  const { releases } = options;
  const listed = releases ? (releases.lastSuccessful?.components ?? []) : repoComponents(options.root, options.stack, options.service);
  const observer = await observerFor(spec);
  const components: ComponentStatusRow[] = await Promise.all(
    listed.map(async (component) => {
      const ref = { stack: options.stack, environment: options.environment, service: options.service, component: component.name, kind: component.kind };
      const state = await observedState(observer, ref);
      const health = state ? await observing(ref, () => observer.health(ref)) : undefined;
      return { name: component.name, kind: component.kind, state, health };
    }),
  );
  return {
    service: options.service,
    environment: options.environment,
    components,
    lastRelease: releases?.lastDeployed ?? undefined,
    releasesUnknown: !releases,
    deploying: options.deploying,
  };
}

/** The service's components as the repo declares them, by their kind's file. */
function repoComponents(root: string, stack: string, service: string): { name: string; kind: ComponentKind }[] {
  const dir = path.join(root, 'stacks', stack, 'services', service, 'components');
  return listDirs(dir).flatMap((name) => {
    const kind = componentKind(path.join(dir, name));
    return kind ? [{ name, kind }] : [];
  });
}

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
): Promise<{ workflowId: string; follow: (quiet: boolean) => Promise<void> } | undefined> {
  const { client } = temporal;
  const workflowId = deployServiceWorkflowId(stack, environment, service);
  let running: boolean;
  try {
    running = await isRunning(client, workflowId);
  } catch (error) {
    throw new DeployerError(
      `Temporal at ${temporal.settings.address} did not say whether ${service} is being deployed to ${environment} (${rootCause(error).message}). Check that it runs: \`deployer dev status\` for the local one.`,
      'TEMPORAL_UNREACHABLE',
      EXIT.failure,
    );
  }
  if (!running) return undefined;
  return {
    workflowId,
    follow: async (quiet) => {
      const { followDeployment } = await import('./followDeployment');
      const { liveReplicas } = await import('./liveReplicas');
      const observer = environmentSpec && !quiet ? await observerFor(environmentSpec).catch(() => undefined) : undefined;
      await followDeployment(client.workflow.getHandle(workflowId), { out: process.stdout, quiet, live: observer && liveReplicas(observer) });
    },
  };
}
