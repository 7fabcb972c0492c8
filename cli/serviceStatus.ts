import path from 'node:path';
import { loadEnvironment } from '../src/model/loadRepo';
import { stateDir } from '../src/paths';
import { FileReleaseStore } from '../src/releases/fileReleaseStore';
import { isRunning } from '../src/temporal/deployClient';
import { deployServiceWorkflowId } from '../src/temporal/deployment';
import { DeployerError, EXIT } from './baseCommand';
import { observedState, observerFor, observing } from './observe';
import type { ConnectionFlags } from './temporalClient';
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

let connection: ReturnType<typeof import('./temporalClient').connectTemporal> | undefined;

/** The running deployment of a service, if any, with a way to follow it to its end. */
export async function runningDeployment(flags: ConnectionFlags, stack: string, environment: string, service: string): Promise<{ workflowId: string; follow: (quiet: boolean) => Promise<void> } | undefined> {
  connection ??= import('./temporalClient').then(({ connectTemporal }) => connectTemporal(flags));
  const { client } = await connection;
  const workflowId = deployServiceWorkflowId(stack, environment, service);
  if (!(await isRunning(client, workflowId))) return undefined;
  return {
    workflowId,
    follow: async (quiet) => {
      const { followDeployment } = await import('./followDeployment');
      await followDeployment(client.workflow.getHandle(workflowId), { out: process.stdout, quiet });
    },
  };
}

export async function closeConnections(): Promise<void> {
  const open = connection;
  connection = undefined;
  if (open) await (await open).close();
}
