import path from 'node:path';
import { destroyComponent } from '../../activities/provisioning';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { stateDir } from '../../src/paths';
import type { ComponentStacks } from '../../src/pulumi/componentStacks';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { targetFor } from '../../src/targets/targetFor';
import { lastReleased } from '../../src/releases/releaseLog';
import { componentDeployment } from '../../src/targets/deployment';

/**
 * Destroys every component the release log says a service runs in an environment: what a test file
 * deployed, so the runtime it shares with other files is left as it was found.
 */
export async function destroyReleased(stacks: ComponentStacks, repoRoot: string, where: { stack: string; environment: string; service: string }): Promise<void> {
  const { stack, environment, service } = where;
  const spec = loadDesiredStack({ root: repoRoot, stack, environment, variables: { VERSION: 'v0' } }).environment.spec;
  for (const component of (await lastReleased(new FileReleaseStore(path.join(stateDir(), 'releases')), stack, environment, service))) {
    const deployment = componentDeployment(stack, { name: environment, spec }, component);
    await destroyComponent(stacks, deployment, targetFor(deployment.environment).program(deployment));
  }
}
