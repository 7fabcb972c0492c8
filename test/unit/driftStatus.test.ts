import { MockActivityEnvironment } from '@temporalio/testing';
import { createDriftActivities } from '../../activities/drift';
import type { DeploymentPorts, DriftPorts } from '../../activities/ports';
import type { EnvironmentSpec } from '../../src/model/schema';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import type { ComponentRef } from '../../src/model/componentRef';
import type { ComponentState } from '../../src/targets/local/api';
import type { ComponentCheck } from '../../src/temporal/drift';

// A refresh reads a component's settings, not whether it runs: the drift check asks the target too.
// No setting changed here, and the target reports the database stopped. Locally the check reads the
// recorded state and the runtime itself; when the state cannot be taken at its word, the engine refreshes.
type Path = 'engine' | 'without engine';

function checkWith(component: ReleasedComponent, state: ComponentState['status']['state'], path: Path) {
  const asked: ComponentRef[] = [];
  const recorded = { urn: `urn:pulumi:development::user-platform::pulumi-nodejs:dynamic:Resource::${component.name}`, type: 'pulumi-nodejs:dynamic:Resource', id: component.name, outputs: { kind: component.kind } };
  const ports = {
    stacks: {
      previewRefresh: async () => [],
      recordedResources: async () => (path === 'engine' ? undefined : [recorded]),
      // In its service's stack.
      componentStack: async (service: unknown) => ({ id: service, member: component.name }),
    },
    programs: { programFor: () => ({}) },
    observe: async () => ({
      async state(ref: ComponentRef) {
        asked.push(ref);
        return { kind: component.kind, actual: { kind: component.kind }, outputs: {}, secretOutputs: [], status: { state } } as ComponentState;
      },
    }),
  } as unknown as DeploymentPorts & DriftPorts;
  const environment = { name: 'development', spec: { target: 'local', region: 'us-east-1', platform: {} } as unknown as EnvironmentSpec };
  const check = new MockActivityEnvironment().run(createDriftActivities(ports).checkComponentDrift, { stack: 'user-platform', environment, component }) as Promise<ComponentCheck>;
  return { check, asked };
}

function component(name: string, kind: ReleasedComponent['kind']): ReleasedComponent {
  return { id: `notification-service/${name}`, service: 'notification-service', name, kind, spec: {}, dependsOn: [], configs: [], specHash: name } as unknown as ReleasedComponent;
}

describe.each<Path>(['engine', 'without engine'])('drift of a data component that does not run (%s)', (path) => {
  it('a database stopped in the runtime is drift, though every setting matches', async () => {
    const { check, asked } = checkWith(component('database', 'RDS'), 'stopped', path);
    expect((await check).fields).toEqual([expect.objectContaining({ field: 'status', desired: 'running', actual: 'stopped', severity: 'high' })]);
    expect(asked).toEqual([{ stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'database', kind: 'RDS' }]);
  });

  it('a running one is not', async () => {
    expect((await checkWith(component('cache', 'ElastiCacheRedis'), 'running', path).check).fields).toEqual([]);
  });

  it('a MicroService is judged by its replicas (a refreshed setting), not by whether it runs', async () => {
    const { check, asked } = checkWith(component('api', 'MicroService'), 'stopped', path);
    expect((await check).fields).toEqual([]);
    // The engine's refresh reads it itself; without the engine the read is the runtime's state.
    expect(asked).toHaveLength(path === 'engine' ? 0 : 1);
  });
});
