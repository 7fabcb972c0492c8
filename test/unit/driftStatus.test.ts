import { MockActivityEnvironment } from '@temporalio/testing';
import type { DeploymentPorts } from '../../activities/deployment';
import { createDriftActivities, DriftPorts } from '../../activities/drift';
import type { EnvironmentSpec } from '../../src/model/schema';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import type { ComponentRef } from '../../src/model/componentRef';
import type { ComponentState } from '../../src/targets/local/api';
import type { ComponentCheck } from '../../src/temporal/drift';

// A refresh reads a component's settings, not whether it runs: the drift check asks the target too.
// The engine here finds no changed setting, and the target reports the database stopped.
function checkWith(component: ReleasedComponent, state: ComponentState['status']['state']) {
  const asked: ComponentRef[] = [];
  const ports = {
    stacks: { previewRefresh: async () => [] },
    programs: { programFor: () => ({}) },
    observe: async () => ({
      async state(ref: ComponentRef) {
        asked.push(ref);
        return { status: { state } } as ComponentState;
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

describe('drift of a data component that does not run', () => {
  it('a database stopped in the runtime is drift, though every setting matches', async () => {
    const { check, asked } = checkWith(component('database', 'RDS'), 'stopped');
    expect((await check).fields).toEqual([expect.objectContaining({ field: 'status', desired: 'running', actual: 'stopped', severity: 'high' })]);
    expect(asked).toEqual([{ stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'database', kind: 'RDS' }]);
  });

  it('a running one is not', async () => {
    expect((await checkWith(component('cache', 'ElastiCacheRedis'), 'running').check).fields).toEqual([]);
  });

  it('a MicroService is judged by its replicas (a refreshed setting), not asked about', async () => {
    const { check, asked } = checkWith(component('api', 'MicroService'), 'stopped');
    expect((await check).fields).toEqual([]);
    expect(asked).toEqual([]);
  });
});
