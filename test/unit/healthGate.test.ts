import { MockActivityEnvironment } from '@temporalio/testing';
import { ComponentOutputsReader } from '../../activities/componentOutputs';
import { createVerificationActivities } from '../../activities/verification';
import type { ComponentStacks } from '../../src/pulumi/componentStacks';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import type { ComponentRef } from '../../src/model/componentRef';
import type { ComponentHealth, Observer, ReleaseIdentity } from '../../src/targets/observer';
import type { WaveProgress } from '../../src/temporal/deployment';
import { gatedRefs } from '../../src/temporal/healthGate';

function component(id: string, kind: ReleasedComponent['kind'], dependsOn: string[] = []): ReleasedComponent {
  const [service, name] = id.split('/') as [string, string];
  return { id, service, name, kind, spec: {}, dependsOn, configs: [], specHash: id } as unknown as ReleasedComponent;
}

// The example's notification-service: data components first, then the api that uses them (and another service's url).
const components = [
  component('notification-service/database', 'RDS'),
  component('notification-service/cache', 'ElastiCacheRedis'),
  component('notification-service/queue', 'SQS'),
  component('notification-service/api', 'MicroService', ['notification-service/database', 'notification-service/cache', 'notification-service/queue', 'user-service/api']),
];
const componentById = new Map(components.map((item) => [item.id, item]));

function wave(...ids: string[]): WaveProgress {
  return { index: 1, state: 'running', components: ids.map((id) => ({ id, kind: componentById.get(id)!.kind, action: 'update', state: 'done' })) };
}

function ref(name: string, kind: ComponentRef['kind']): ComponentRef {
  return { stack: 'user-platform', environment: 'development', service: 'notification-service', component: name, kind };
}

/** An observer answering as the local runtime does for a running MicroService and a stopped database. */
function observerWith(stopped: string): Observer {
  return {
    async health(target: ComponentRef): Promise<ComponentHealth> {
      if (target.component === stopped) return { kind: target.kind!, healthy: false, summary: 'PostgreSQL is not running', replicas: [] };
      return { kind: target.kind!, healthy: true, summary: 'ok', replicas: [] };
    },
  } as unknown as Observer;
}

function awaitHealthy(observer: Observer, refs: ComponentRef[]): Promise<void> {
  const activities = createVerificationActivities({ observe: async () => observer }, new ComponentOutputsReader({} as ComponentStacks, (outputs) => outputs));
  return new MockActivityEnvironment().run(activities.awaitHealthy, { environment: { target: 'local' as const, region: 'us-east-1', platform: {} }, refs, timeoutMs: 600 });
}

describe('the health gate', () => {
  it('checks the data components a wave applies, not only MicroServices', () => {
    expect(gatedRefs(wave('notification-service/database', 'notification-service/cache', 'notification-service/queue'), componentById, 'user-platform', 'development')).toEqual([
      ref('database', 'RDS'),
      ref('cache', 'ElastiCacheRedis'),
      ref('queue', 'SQS'),
    ]);
  });

  it('checks what a MicroService of the wave depends on in its service, even when the wave did not change it', () => {
    expect(gatedRefs(wave('notification-service/api'), componentById, 'user-platform', 'development')).toEqual([
      ref('api', 'MicroService'),
      ref('database', 'RDS'),
      ref('cache', 'ElastiCacheRedis'),
      ref('queue', 'SQS'),
    ]);
  });

  it('fails a release whose database is stopped, naming it and why', async () => {
    const refs = gatedRefs(wave('notification-service/api'), componentById, 'user-platform', 'development');
    await expect(awaitHealthy(observerWith('database'), refs)).rejects.toThrow('not healthy after 1 s: notification-service/database (PostgreSQL is not running)');
  });

  it('passes when every component and dependency is healthy', async () => {
    const refs = gatedRefs(wave('notification-service/api'), componentById, 'user-platform', 'development');
    await expect(awaitHealthy(observerWith('none'), refs)).resolves.toBeUndefined();
  });
});

describe('the health gate on aws', () => {
  const released = 'arn:aws:ecs:us-east-1:333333333333:task-definition/user-platform-production-notification-service-api:8';
  const asked: Array<{ component: string; taskDefinitionArn?: string }> = [];
  const outputsRead: string[] = [];

  /** ECS as after a circuit breaker rollback: the previous task definition runs, every task healthy. */
  const rolledBack = {
    async health(target: ComponentRef, release?: ReleaseIdentity): Promise<ComponentHealth> {
      asked.push({ component: target.component, ...release });
      if (release?.taskDefinitionArn) return { kind: 'MicroService', healthy: false, final: true, summary: "5/5 replicas healthy; ECS runs api:7, not this release's api:8", replicas: [] };
      return { kind: target.kind!, healthy: true, summary: 'ok', replicas: [] };
    },
  } as unknown as Observer;

  const stacks = {
    // aws: a stack per component, none per service.
    memberOutputs: async () => undefined,
    async outputs(id: { stack: string }) {
      outputsRead.push(id.stack);
      return id.stack.startsWith('notification-service.api.') ? { url: { value: 'https://example.com/notifications', secret: false }, taskDefinitionArn: { value: released, secret: false } } : {};
    },
  };

  it('fails at once, long before its timeout, when ECS does not run the task definition the release registered', async () => {
    const activities = createVerificationActivities({ observe: async () => rolledBack }, new ComponentOutputsReader(stacks as unknown as ComponentStacks, (outputs) => outputs));
    const refs = gatedRefs(wave('notification-service/api'), componentById, 'user-platform', 'production');
    const started = Date.now();
    const gate = new MockActivityEnvironment().run(activities.awaitHealthy, { environment: { target: 'aws' as const, region: 'us-east-1', platform: {} }, refs, timeoutMs: 60_000 });
    await expect(gate).rejects.toThrow("not running this release: notification-service/api (5/5 replicas healthy; ECS runs api:7, not this release's api:8)");
    expect(Date.now() - started).toBeLessThan(5_000);
    // Only MicroServices have a release identity; the data components are judged as before.
    expect(outputsRead).toEqual(['notification-service.api.production']);
    expect(asked).toContainEqual({ component: 'api', taskDefinitionArn: released });
    expect(asked).toContainEqual({ component: 'database' });
  });
});
