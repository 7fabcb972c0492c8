import path from 'node:path';
import { startLocalRuntime, stopLocalRuntime } from '../../src/devenv/devEnvironment';
import { pulumiStackName, runtimeKey } from '../../src/model/componentRef';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { COMPONENT_KINDS } from '../../src/model/schema';
import { installRoot } from '../../src/paths';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { ComponentDeployment, componentDeployment } from '../../src/targets/deployment';
import type { ComponentHealth, ComponentMetrics, ComponentState, MicroServiceDesired } from '../../src/targets/local/api';
import { refreshWithoutEngine } from '../../src/targets/local/refreshRead';
import { RuntimeClient } from '../../src/targets/local/runtimeClient';
import { targetFor } from '../../src/targets/targetFor';
import { get, loadUntil } from '../support/load';
import { localRuntimeHome } from '../support/localRuntimeHome';

// A canary on the local target's real load balancer and processes: the runtime splits requests by
// weight between the stable revision and the canary, reports each one's figures side by side, and
// promotes or aborts the canary without failing a request.
describe('local target canary', () => {
  const key = runtimeKey({ stack: 'shop', environment: 'development', service: 'orders', component: 'api' });
  const componentPath = `/v1/components/${encodeURIComponent(key)}`;
  localRuntimeHome('deployer-canary-');
  let runtime: RuntimeClient;
  let url: string;

  function desired(version: string, canary?: { version: string; weight: number }): MicroServiceDesired {
    const revision = (tag: string) => ({
      image: `notification-api:${tag}`,
      command: ['node', 'server.js'],
      workingDir: path.join(installRoot, 'examples', 'apps', 'notification-api'),
      environment: { LOG_LEVEL: 'info' },
      secretEnvironment: { DATABASE_PASSWORD: 'canary-secret-value' },
      configs: [],
      healthCheck: { path: '/health', intervalSeconds: 1, timeoutSeconds: 1, healthyThreshold: 1, unhealthyThreshold: 2, gracePeriodSeconds: 0 },
    });
    return {
      kind: 'MicroService',
      ...revision(version),
      port: 8080,
      replicas: 2,
      resources: { cpu: 256, memory: 512 },
      healthTimeoutSeconds: 30,
      ...(canary && { canary: { weight: canary.weight, revision: revision(canary.version) } }),
    };
  }

  const apply = (spec: MicroServiceDesired) => runtime.request<ComponentState>('PUT', componentPath, spec);
  const state = () => runtime.request<ComponentState>('GET', componentPath);

  /** Versions that answered `count` requests, one after another, in the order they came. */
  async function versionsOf(count: number): Promise<string[]> {
    const versions: string[] = [];
    for (let index = 0; index < count; index += 1) versions.push(JSON.parse((await get(`${url}/version`)).body).version as string);
    return versions;
  }

  beforeAll(async () => {
    runtime = RuntimeClient.connect();
    await apply(desired('v1.0.0'));
    url = (await state()).outputs.url!;
  });

  it('sends exactly its weight of the requests to the canary, evenly spread', async () => {
    await apply(desired('v1.0.0', { version: 'v1.1.0', weight: 25 }));
    const versions = await versionsOf(100);
    expect(versions.filter((version) => version === 'v1.1.0')).toHaveLength(25);
    // Evenly: every fourth request, not 25 in a row.
    expect(versions.slice(0, 8).filter((version) => version === 'v1.1.0')).toHaveLength(2);
    const { status, actual } = await state();
    expect(status).toMatchObject({ version: 'v1.0.0', desiredReplicas: 2, healthyReplicas: 2, canary: { version: 'v1.1.0', weight: 25, desiredReplicas: 1, healthyReplicas: 1 } });
    // The canary's resolved secrets stay in the runtime, like the stable revision's.
    expect(JSON.stringify(actual)).not.toContain('canary-secret-value');
    expect(actual).toMatchObject({ canary: { weight: 25, revision: { image: 'notification-api:v1.1.0' } } });
  });

  it('reports each revision\'s errors and latency side by side, and a failing canary\'s stay its own', async () => {
    const since = new Date();
    await apply(desired('v1.0.0', { version: 'v1.1.0-errors', weight: 50 }));
    const health = await runtime.request<ComponentHealth>('GET', `${componentPath}/health`);
    expect(health.summary).toBe('2/2 replicas healthy; canary v1.1.0-errors 1/1 healthy, 50% of requests');
    let failed = 0;
    for (let index = 0; index < 60; index += 1) if ((await get(`${url}/notifications`)).status >= 500) failed += 1;
    const metrics = await runtime.request<ComponentMetrics>('GET', `${componentPath}/metrics?since=${encodeURIComponent(since.toISOString())}`);
    expect(metrics.revisions?.stable.requests).toMatchObject({ total: 30, errors: 0 });
    expect(metrics.revisions?.canary.requests).toMatchObject({ total: 30, errors: 10 });
    expect(failed).toBe(10);
  });

  it('aborting sends every request back to stable and stops the canary', async () => {
    const aborted = apply(desired('v1.0.0'));
    const load = await loadUntil(`${url}/version`, aborted);
    await aborted;
    expect(load.failureSamples).toEqual([]);
    expect(new Set(await versionsOf(20))).toEqual(new Set(['v1.0.0']));
    expect((await state()).status.canary).toBeUndefined();
    const health = await runtime.request<ComponentHealth>('GET', `${componentPath}/health`);
    expect(health.replicas.map((replica) => replica.version)).toEqual(['v1.0.0', 'v1.0.0']);
  });

  it('a canary survives a restart of the runtime at its weight', async () => {
    await apply(desired('v1.0.0', { version: 'v1.1.0', weight: 50 }));
    await stopLocalRuntime();
    await startLocalRuntime();
    runtime = RuntimeClient.connect();
    await waitUntil(async () => (await state()).status.canary?.healthyReplicas === 1 && (await state()).status.healthyReplicas === 2);
    const versions = await versionsOf(20);
    expect(versions.filter((version) => version === 'v1.1.0')).toHaveLength(10);
  });

  it('promoting makes the canary the stable revision without failing a request', async () => {
    const promoted = apply(desired('v1.1.0'));
    const load = await loadUntil(`${url}/version`, promoted);
    await promoted;
    expect(load.failureSamples).toEqual([]);
    expect(new Set(await versionsOf(20))).toEqual(new Set(['v1.1.0']));
    const { status } = await state();
    expect(status).toMatchObject({ version: 'v1.1.0', healthyReplicas: 2 });
    expect(status.canary).toBeUndefined();
    const health = await runtime.request<ComponentHealth>('GET', `${componentPath}/health`);
    expect(health.replicas.map((replica) => replica.version)).toEqual(['v1.1.0', 'v1.1.0']);
  });
});

// The same through Pulumi, as a deployment's canary steps run it: the step is recorded in the
// component's state (its secrets encrypted), refresh finds no drift while it runs, and ending it
// (promoted or aborted) is a change the engine applies.
describe('local target canary through the engine', () => {
  const secret = 'canary-engine-secret';
  const runtimeHome = localRuntimeHome('deployer-canary-engine-');
  let stacks: ComponentStacks;
  let runtime: RuntimeClient;

  const environment = loadDesiredStack({ root: path.join(installRoot, 'examples', 'deployment-repo'), stack: 'user-platform', environment: 'development', variables: { VERSION: 'v1.2.0' } }).environment;

  function release(version: string): ComponentDeployment {
    const spec = COMPONENT_KINDS.MicroService.spec.parse({
      image: `notification-api:${version}`,
      scaling: { replicas: 2 },
      healthCheck: { intervalSeconds: 1, healthyThreshold: 1, gracePeriodSeconds: 0 },
      environment: [{ name: 'DATABASE_PASSWORD', valueFrom: { component: 'orders/database', output: 'password' } }],
    });
    return componentDeployment('shop', environment, { kind: 'MicroService', service: 'orders', name: 'api', spec, configs: [] }, { resolved: { DATABASE_PASSWORD: { value: secret, secret: true } } });
  }

  const canaryStep = (version: string, weight: number, stable: string): ComponentDeployment => ({ ...release(version), canary: { weight, stable: release(stable) } });
  const stackId = pulumiStackName(release('v1.0.0').ref);
  const up = (deployment: ComponentDeployment) => stacks.up(stackId, targetFor(deployment.environment).program(deployment), {});
  const state = () => runtime.request<ComponentState>('GET', `/v1/components/${encodeURIComponent(runtimeKey(release('v1.0.0').ref))}`);

  beforeAll(() => {
    runtime = RuntimeClient.connect();
    stacks = new ComponentStacks(localBackend(runtimeHome.home));
  });

  it('records a canary step with its secrets encrypted, finds no drift in it, and applies its end', async () => {
    await up(release('v1.0.0'));
    await up(canaryStep('v1.1.0', 25, 'v1.0.0'));
    expect((await state()).status).toMatchObject({ version: 'v1.0.0', canary: { version: 'v1.1.0', weight: 25 } });
    const recorded = await stacks.recordedResources(stackId);
    expect(JSON.stringify(recorded)).not.toContain(secret);
    expect(recorded?.[0]?.outputs.canary).toMatchObject({ weight: 25, revision: { image: 'notification-api:v1.1.0' } });
    expect(refreshWithoutEngine(recorded!, await state())).toEqual([]);

    // Aborted: the release serving before, with no canary, is a change although its settings are the same.
    await up(release('v1.0.0'));
    expect((await state()).status.canary).toBeUndefined();
    expect((await stacks.recordedResources(stackId))?.[0]?.outputs.canary).toBeUndefined();

    await up(canaryStep('v1.1.0', 50, 'v1.0.0'));
    await up(release('v1.1.0'));
    const promoted = (await state()).status;
    expect(promoted).toMatchObject({ version: 'v1.1.0', healthyReplicas: 2 });
    expect(promoted.canary).toBeUndefined();
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
