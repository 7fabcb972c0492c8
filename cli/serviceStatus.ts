import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadEnvironment } from '../src/model/loadRepo';
import { stateDir } from '../src/paths';
import { FileReleaseStore } from '../src/releases/fileReleaseStore';
import { isRunning } from '../src/temporal/deployClient';
import { deployServiceWorkflowId } from '../src/temporal/deployment';
import type { TemporalSettings } from '../src/temporal/connection';
import { DeployerError, EXIT } from './baseCommand';
import { rootCause } from './errorCauses';
import { observedState, observerFor, observing } from './observe';
import type { ComponentStatusRow, ServiceStatus } from './render/status';

/** The service's components as last released, each with what runs now (state, health) from the target's observer. */
export async function gatherServiceStatus(options: { root: string; stack: string; environment: string; service: string; deploying?: string }): Promise<ServiceStatus> {
  const spec = loadEnvironment(options.root, options.environment);
  if (!spec) throw new DeployerError(`unknown environment "${options.environment}"`, 'UNKNOWN_ENVIRONMENT', EXIT.usage);
  const history = new FileReleaseStore(path.join(stateDir(), 'releases')).history(options.stack, options.environment, options.service);
  const lastRelease = history.find((record) => record.result !== 'rejected' && record.result !== 'cancelled');
  const released = history.find((record) => record.result === 'succeeded')?.components ?? [];
  const observer = await observerFor(spec);
  const components: ComponentStatusRow[] = await Promise.all(
    released.map(async (component) => {
      const ref = { stack: options.stack, environment: options.environment, service: options.service, component: component.name, kind: component.kind };
      const state = await observedState(observer, ref);
      const health = state ? await observing(ref, () => observer.health(ref)) : undefined;
      return { name: component.name, kind: component.kind, state, health };
    }),
  );
  return { service: options.service, environment: options.environment, components, lastRelease, deploying: options.deploying };
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
      await followDeployment(client.workflow.getHandle(workflowId), { out: process.stdout, quiet });
    },
  };
}
