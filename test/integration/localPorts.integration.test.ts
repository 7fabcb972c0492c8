import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRuntime, stopLocalRuntime } from '../../src/devenv/devEnvironment';
import { installRoot } from '../../src/paths';
import { freePort } from '../../src/tcpPorts';
import { ComponentRef, runtimeKey } from '../../src/model/componentRef';
import { ComponentState, MicroServiceDesired, RedisDesired } from '../../src/targets/local/api';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { listenable } from '../../src/targets/local/runtime/portClaims';
import { RuntimeClient } from '../../src/targets/local/runtimeClient';
import { get } from '../support/load';
import { processesReferencing } from '../support/processes';
import { redis } from '../support/redis';

// Where components listen on the local target, against a real runtime of this test's own: a
// MicroService's address is its declared port when free, replicas listen where $PORT says, configs
// sit under $CONFIG_DIR at their mountPath, and Redis takes 6379 when nothing else has it.
describe('local target ports and config paths', () => {
  const app = path.join(installRoot, 'examples', 'apps', 'notification-api');
  let home: string;
  let previousHome: string | undefined;
  let client: RuntimeClient;
  let observer: LocalObserver;
  let declared: number;
  const created: string[] = [];

  const ref = (service: string, component: string): ComponentRef => ({ stack: 'shop', environment: 'development', service, component });

  function microService(port: number, overrides: Partial<MicroServiceDesired> = {}): MicroServiceDesired {
    return {
      kind: 'MicroService',
      image: 'notification-api:v1.0.0',
      command: ['node', 'server.js'],
      workingDir: app,
      port,
      environment: {},
      secretEnvironment: {},
      configs: [{ path: 'settings/app.yaml', content: 'email:\n  maxRetries: 5\n' }],
      replicas: 2,
      resources: { cpu: 256, memory: 512 },
      healthCheck: { path: '/health', intervalSeconds: 10, timeoutSeconds: 2, healthyThreshold: 1, unhealthyThreshold: 2, gracePeriodSeconds: 0 },
      healthTimeoutSeconds: 20,
      ...overrides,
    };
  }

  function apply(at: ComponentRef, desired: MicroServiceDesired | RedisDesired): Promise<ComponentState> {
    created.push(runtimeKey(at));
    return client.request<ComponentState>('PUT', `/v1/components/${encodeURIComponent(runtimeKey(at))}`, desired);
  }

  async function events(at: ComponentRef): Promise<string[]> {
    return (await observer.events(at)).map((event) => event.message);
  }

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-local-ports-'));
    previousHome = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = home;
    await startLocalRuntime();
    client = RuntimeClient.connect();
    observer = new LocalObserver(client);
    declared = await freePort();
  });

  afterAll(async () => {
    for (const key of created) await client.request('DELETE', `/v1/components/${encodeURIComponent(key)}`).catch(() => undefined);
    await stopLocalRuntime();
    const leftovers = processesReferencing(home);
    process.env.DEPLOYER_HOME = previousHome;
    fs.rmSync(home, { recursive: true, force: true });
    expect(leftovers).toEqual([]);
  });

  it("answers on the declared port through the component's load balancer; replicas listen on their own $PORT and read configs at their mountPath under $CONFIG_DIR", async () => {
    const api = ref('cart', 'api');
    const state = await apply(api, microService(declared));
    expect(state.outputs.url).toBe(`http://127.0.0.1:${declared}`);
    expect(await get(`http://127.0.0.1:${declared}/health`)).toMatchObject({ status: 200 });
    expect(await events(api)).toContain(`load balancer listening on 127.0.0.1:${declared}`);

    const inside = await observer.exec(api, { command: 'echo "$PORT"; cat "$CONFIG_DIR/settings/app.yaml"', stdio: 'pipe' });
    expect(inside.exitCode).toBe(0);
    const [port, ...config] = (inside.stdout ?? '').split('\n');
    expect(Number(port)).not.toBe(declared);
    expect((await observer.health(api)).replicas.map((replica) => replica.port)).toContain(Number(port));
    expect(config.join('\n')).toBe('email:\n  maxRetries: 5\n');
  });

  it('gives a second component declaring the same port another one, and says which component has it', async () => {
    const other = ref('orders', 'api');
    const state = await apply(other, microService(declared, { replicas: 1 }));
    const port = Number(new URL(state.outputs.url!).port);
    expect(port).not.toBe(declared);
    expect(await get(`${state.outputs.url}/health`)).toMatchObject({ status: 200 });
    expect(await events(other)).toContain(`load balancer listening on 127.0.0.1:${port} (its declared port ${declared} is taken: shop.development.cart.api has it; apps find the port through valueFrom)`);
  });

  it('fails the rollout of an app that listens on the declared port instead of $PORT, saying why', async () => {
    const stubborn = ref('billing', 'api');
    const port = await freePort();
    const listenOnDeclared = `require('http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1')`;
    const failure = apply(stubborn, microService(port, { command: ['node', '-e', listenOnDeclared], replicas: 1, configs: [] }));
    await expect(failure).rejects.toThrow(/Nothing answered on the replica's port \d+: the app must listen on the port in \$PORT\. On the local target the replicas share one machine, so each has its own port; \d+, the declared port, is the component's load balancer/);
    created.splice(created.indexOf(runtimeKey(stubborn)), 1);
  });

  it("starts Redis on its usual port 6379 when nothing has it, and a second one elsewhere, saying who has 6379", async () => {
    const wasFree = await listenable(6379);
    const [development, staging] = [ref('cart', 'cache'), { ...ref('cart', 'cache'), environment: 'staging' }];
    const first = await apply(development, { kind: 'ElastiCacheRedis', version: '7.0' });
    const second = await apply(staging, { kind: 'ElastiCacheRedis', version: '7.0' });
    if (wasFree) {
      expect(first.outputs.port).toBe('6379');
      expect(await events(development)).toContain('redis-server accepting connections on 127.0.0.1:6379');
      expect(await events(staging)).toContain(`redis-server accepting connections on 127.0.0.1:${second.outputs.port} (Redis's usual port 6379 is taken: shop.development.cart.cache has it; apps find the port through valueFrom)`);
    } else {
      // Another program of this machine has 6379: both say so.
      expect(await events(development)).toContain(`redis-server accepting connections on 127.0.0.1:${first.outputs.port} (Redis's usual port 6379 is taken: another process on this machine listens on it; apps find the port through valueFrom)`);
    }
    expect(second.outputs.port).not.toBe('6379');
    expect(second.outputs.port).not.toBe(first.outputs.port);
    expect(await redis(Number(first.outputs.port), 'SET where development')).toBe('+OK');
    expect(await redis(Number(second.outputs.port), 'EXISTS where')).toBe(':0');
  });
});
