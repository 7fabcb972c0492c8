// A service's status (its components as last released, each with what runs now), shared by
// `deployer status` and the Slack app's `/deployer status`.
import path from 'node:path';
import type { ComponentKind } from '../model/schema';
import type { ServiceReleases } from '../temporal/releaseReads';
import { componentKind, listDirs } from './locate';
import { observedState, observerFor, observing, requireEnvironment } from './observe';
import type { ComponentStatusRow, RunningDeployment, ServiceStatus } from './render/status';

/**
 * The service's components as last released (from the worker's release log), each with what runs now
 * (state, health) from the target's observer. Without `releases` (the worker could not be asked)
 * the components are the repo's, and the last deployment is unknown.
 */
export async function gatherServiceStatus(options: {
  root: string;
  stack: string;
  environment: string;
  service: string;
  releases?: ServiceReleases;
  /** The service's running deployment, as serviceDeployment found it. */
  deploying?: { workflowId: string; progress?: RunningDeployment };
}): Promise<ServiceStatus> {
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
    deploying: options.deploying?.workflowId,
    running: options.deploying?.progress,
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
