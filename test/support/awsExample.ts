import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publicOutputs } from '../../activities/provisioning';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredComponent, DesiredStack } from '../../src/model/types';
import { awsProgram } from '../../src/targets/aws/programs';
import { componentDeployment } from '../../src/targets/deployment';
import { resolveValueFrom } from '../../src/targets/resolveValueFrom';
import { render, Rendered } from './pulumiMocks';

// The example stack on its aws environments (examples/deployment-repo/environments/aws), rendered
// through Pulumi's mocks (installAwsMocks): the programs run as in a worker, the engine and AWS are replaced.
export const example = path.resolve(__dirname, '../../examples/deployment-repo');

/** A copy of the example repo whose environments are the aws ones. Remove it when done. */
export function copyAwsExample(): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-aws-'));
  fs.cpSync(example, repo, { recursive: true });
  for (const file of fs.readdirSync(path.join(repo, 'environments', 'aws'))) {
    if (file.endsWith('.yaml')) fs.copyFileSync(path.join(repo, 'environments', 'aws', file), path.join(repo, 'environments', file));
  }
  return repo;
}

export function loadAwsStack(repo: string, environment: string): DesiredStack {
  return loadDesiredStack({ root: repo, stack: 'user-platform', environment, variables: { VERSION: 'v1.2.0' } });
}

export function componentOf(stack: DesiredStack, id: string): DesiredComponent {
  const component = stack.services.flatMap((service) => service.components).find((candidate) => candidate.id === id);
  if (!component) throw new Error(`no ${id} in the example`);
  return component;
}

/** Renders the components in dependency order, feeding each one's outputs to the next as a worker does. */
export async function renderAwsStack(stack: DesiredStack): Promise<Map<string, Rendered>> {
  const environment = stack.environment.name;
  const order = ['user-service/database', 'user-service/api', 'notification-service/database', 'notification-service/cache', 'notification-service/queue', 'notification-service/api'];
  const rendered = new Map<string, Rendered>();
  const outputsOf = (id: string) => {
    const component = rendered.get(id);
    // A worker reads these from the stack, with Pulumi's secret flag.
    return component && Object.fromEntries(Object.entries(component.outputs).map(([name, value]) => [name, { value, secret: component.secretOutputs.includes(name) }]));
  };
  for (const id of order) {
    const component = componentOf(stack, id);
    const deployment = componentDeployment(stack.stack, { name: environment, spec: stack.environment.spec }, component, {
      resolved: resolveValueFrom(component, outputsOf),
      dependencyOutputs: Object.fromEntries(component.dependsOn.map((dependency) => [dependency, publicOutputs(outputsOf(dependency))])),
    });
    rendered.set(id, await render(awsProgram(deployment)));
  }
  return rendered;
}
