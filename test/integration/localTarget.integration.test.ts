import fs from 'node:fs';
import path from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client as PgClient } from 'pg';
import type { ComponentRef } from '../../src/model/componentRef';
import { startLocalRuntime, stopLocalRuntime } from '../../src/devenv/devEnvironment';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { installRoot } from '../../src/paths';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks, SECRET_OUTPUT } from '../../src/pulumi/componentStacks';
import { targetFor } from '../../src/targets/targetFor';
import { ComponentDeployment, componentDeployment } from '../../src/targets/deployment';
import { runtimeEndpoint, runtimeTokenFile } from '../../src/targets/local/endpoint';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { scaleOutsideDeployer } from '../../src/targets/local/outOfBand';
import type { ComponentOutputs } from '../../src/pulumi/recordedState';
import { resolveValueFrom } from '../../src/targets/resolveValueFrom';
import { get, loadUntil } from '../support/load';
import { localRuntimeHome } from '../support/localRuntimeHome';
import { listenersOn, processesReferencing, type SeenProcess } from '../support/processes';
import { redis } from '../support/redis';

// The local target end to end on the real Pulumi engine: the example stack's components run as real
// processes (replicas behind a load balancer, PostgreSQL, redis-server, an SQS endpoint) in a
// runtime of this test's own, so restarting it disturbs no other test.
describe('local target', () => {
  const repo = path.join(installRoot, 'examples', 'deployment-repo');
  const outputs = new Map<string, ComponentOutputs>();
  const started = new Date();
  const runtimeHome = localRuntimeHome('deployer-local-');
  let stacks: ComponentStacks;
  let observer: LocalObserver;

  const api: ComponentRef = { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' };

  beforeAll(() => {
    stacks = new ComponentStacks(localBackend(runtimeHome.home));
    observer = new LocalObserver();
  });

  function model(version: string): DesiredStack {
    return loadDesiredStack({ root: repo, stack: 'user-platform', environment: 'development', variables: { VERSION: version } });
  }

  function deploymentOf(stack: DesiredStack, id: string): { deployment: ComponentDeployment; stackId: { project: string; stack: string } } {
    const component = stack.services.flatMap((service) => service.components).find((candidate) => candidate.id === id)!;
    const ref = { stack: stack.stack, environment: stack.environment.name, service: component.service, component: component.name };
    return {
      deployment: componentDeployment(stack.stack, stack.environment, component, { resolved: resolveValueFrom(component, (source) => outputs.get(source)) }),
      stackId: { project: stack.stack, stack: `${ref.service}.${ref.component}.${ref.environment}` },
    };
  }

  async function up(stack: DesiredStack, id: string) {
    const { deployment, stackId } = deploymentOf(stack, id);
    const program = targetFor(deployment.environment).program(deployment);
    const outcome = await stacks.up(stackId, program, {});
    const recorded = await stacks.engineOutputs(stackId, program);
    // What `up` answers (from the program's exports) and what `outputs` reads (from the state entry
    // where nothing is secret) are what the engine recorded, secrets flagged alike.
    expect(outcome.allOutputs).toEqual(recorded);
    expect(await stacks.outputs(stackId, program)).toEqual(recorded);
    outputs.set(id, recorded);
    return outcome;
  }

  async function destroy(stack: DesiredStack, id: string) {
    const { deployment, stackId } = deploymentOf(stack, id);
    await stacks.destroy(stackId, targetFor(deployment.environment).program(deployment));
  }

  function output(id: string, name: string): string {
    return String(outputs.get(id)?.[name]?.value);
  }

  it('deploys the example stack: PostgreSQL, Redis and a queue, then the services that use them', async () => {
    const stack = model('v1.2.0');
    const wave1 = ['notification-service/database', 'notification-service/cache', 'notification-service/queue', 'user-service/database'];
    const [database] = await Promise.all(wave1.map((id) => up(stack, id)));
    expect(database!.outputs).toMatchObject({ endpoint: '127.0.0.1', database: 'notifications', username: 'notifications', password: SECRET_OUTPUT });
    // The engine's summary: the stack and the component's resource.
    expect(database!.changes).toEqual({ create: 2 });
    expect(outputs.get('notification-service/database')?.password?.secret).toBe(true);
    await up(stack, 'user-service/api');
    await up(stack, 'notification-service/api');

    const url = output('notification-service/api', 'url');
    expect(await get(`${url}/notifications`)).toMatchObject({ status: 200 });
    expect((await get(`${url}/version`)).body).toContain('v1.2.0');
    expect(await observer.health(api)).toMatchObject({ healthy: true, summary: '2/2 replicas healthy' });

    // The database is real and the generated password works for the component's user.
    const pg = new PgClient({ host: '127.0.0.1', port: Number(output('notification-service/database', 'port')), user: 'notifications', password: output('notification-service/database', 'password'), database: 'notifications' });
    await pg.connect();
    await pg.query('CREATE TABLE notes (body text)');
    await pg.query("INSERT INTO notes VALUES ('kept across restarts')");
    await pg.end();

    expect(await redis(Number(output('notification-service/cache', 'port')), 'SET greeting hello')).toBe('+OK');

    const queueUrl = output('notification-service/queue', 'url');
    const sqs = sqsClient(queueUrl);
    expect(output('notification-service/queue', 'arn')).toBe('arn:aws:sqs:us-east-1:123456789012:user-platform-development-notification-service-queue');
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'welcome email' }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('welcome email');
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'] }));
    expect(attributes.Attributes?.VisibilityTimeout).toBe('60');
    expect(JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 5 });
    sqs.destroy();

    // Replicas get the resolved outputs, their config files and the secret, which the state keeps encrypted.
    const exec = await observer.exec(api, { command: 'echo "$VERSION $DATABASE_HOST $CACHE_HOST"; head -1 "$CONFIG_DIR/app.yaml"; test -n "$DATABASE_PASSWORD" && echo secret-set', stdio: 'pipe' });
    expect(exec.exitCode).toBe(0);
    expect(exec.stdout).toBe(`v1.2.0 127.0.0.1 127.0.0.1\n${fs.readFileSync(path.join(repo, 'stacks/user-platform/services/notification-service/components/api/configs/app.yaml'), 'utf8').split('\n')[0]}\nsecret-set\n`);
    expect(grepTree(path.join(runtimeHome.home, 'pulumi', 'state'), output('notification-service/database', 'password'))).toEqual([]);
  });

  it('serves its API only to holders of its token, which stays out of Pulumi state', async () => {
    const { url, token } = runtimeEndpoint()!;
    expect(fs.statSync(runtimeTokenFile()).mode & 0o777).toBe(0o600);
    expect((await fetch(`${url}/v1/components`)).status).toBe(401);
    expect((await fetch(`${url}/v1/components`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(grepTree(path.join(runtimeHome.home, 'pulumi', 'state'), token)).toEqual([]);
  });

  it('rolls to a new version without failing a request', async () => {
    const rollout = up(model('v1.3.0'), 'notification-service/api');
    const load = await loadUntil(`${output('notification-service/api', 'url')}/version`, rollout);
    await rollout;
    expect(load.failureSamples).toEqual([]);
    expect(load.requests).toBeGreaterThan(50);
    expect(load.versions).toEqual(['v1.2.0', 'v1.3.0']);
    expect((await get(`${output('notification-service/api', 'url')}/version`)).body).toContain('v1.3.0');
  });

  it('keeps the serving version when the new one fails its health checks', async () => {
    const rollout = up(model('v1.4.0-unhealthy'), 'notification-service/api');
    const load = loadUntil(`${output('notification-service/api', 'url')}/version`, rollout);
    await expect(rollout).rejects.toThrow(/v1\.4\.0-unhealthy replica api-\w+ unhealthy \(\/health -> HTTP 503\).*v1\.3\.0 keeps serving/s);
    const report = await load;
    expect(report.failureSamples).toEqual([]);
    expect(report.versions).toEqual(['v1.3.0']);
    expect(await observer.health(api)).toMatchObject({ healthy: true, replicas: [expect.objectContaining({ version: 'v1.3.0' }), expect.objectContaining({ version: 'v1.3.0' })] });
  });

  it('observes the service: logs, metrics, events, health', async () => {
    const errors = await observer.logs(api, { filter: 'ERROR "health check failing"' });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((line) => line.message.includes('ERROR') && line.message.includes('health check failing'))).toBe(true);
    expect(await observer.logs(api, { search: 'get /VERSION', since: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect((await observer.logs(api, { search: 'get /VERSION', limit: 3 })).length).toBe(3);

    const followed: string[] = [];
    const abort = new AbortController();
    const following = observer.followLogs(api, { search: 'email sent', since: new Date().toISOString() }, (line) => {
      followed.push(line.message);
      abort.abort();
    }, abort.signal);
    await postJson(`${output('notification-service/api', 'url')}/notifications`, { recipient: 'ana@example.com' });
    await following;
    expect(followed).toEqual(['INFO email sent to ana@example.com']);

    const metrics = await observer.metrics(api, started);
    expect(metrics.requests.total).toBeGreaterThan(100);
    expect(metrics.requests.errorRatePercent).toBe(0);
    expect(metrics.latencyMs.p99).toBeGreaterThanOrEqual(metrics.latencyMs.p50);
    expect(metrics.latencyMs.max).toBeGreaterThan(0);
    expect(metrics.replicas).toEqual({ current: 2, desired: 2, healthy: 2 });

    const events = await observer.events(api);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['started', 'healthy', 'unhealthy', 'rollout', 'stopped']));
    expect(events.some((event) => /rollout of v1\.4\.0-unhealthy failed/.test(event.message))).toBe(true);
  });

  it('replaces a replica that crashes, as ECS would', async () => {
    const [victim] = (await observer.health(api)).replicas;
    process.kill(victim!.pid!, 'SIGKILL');
    await waitFor(async () => (await observer.events(api)).some((event) => event.type === 'exited' && event.replica === victim!.replica && /signal SIGKILL/.test(event.message)));
    await waitFor(async () => {
      const health = await observer.health(api);
      return health.healthy && !health.replicas.some((replica) => replica.replica === victim!.replica);
    });
    expect((await observer.health(api)).replicas.some((replica) => replica.restarts === 1)).toBe(true);
  });

  it('a replica count changed behind deployer\'s back is drift; applying again restores it', async () => {
    const stack = model('v1.3.0');
    await scaleOutsideDeployer(api, 3, 'local scale by a test');
    expect((await observer.health(api)).replicas).toHaveLength(3);
    const { deployment, stackId } = deploymentOf(stack, 'notification-service/api');
    const program = targetFor(deployment.environment).program(deployment);
    expect(await stacks.previewRefresh(stackId, program)).toEqual([
      expect.objectContaining({ name: 'api', kind: 'changed', fields: [{ field: 'replicas', recorded: 2, actual: 3 }] }),
    ]);
    await up(stack, 'notification-service/api');
    expect(await observer.health(api)).toMatchObject({ healthy: true, summary: '2/2 replicas healthy' });
  });

  it('keeps data and addresses across a restart of the runtime', async () => {
    const { token } = runtimeEndpoint()!;
    await stopLocalRuntime();
    expect(processesReferencing(path.join(runtimeHome.home, 'local'))).toEqual([]);
    await startLocalRuntime();
    // A new token; the providers of the destroy below read it at call time.
    expect(runtimeEndpoint()!.token).not.toBe(token);
    await waitFor(async () => (await observer.health(api)).healthy);

    const pg = new PgClient({ host: '127.0.0.1', port: Number(output('notification-service/database', 'port')), user: 'notifications', password: output('notification-service/database', 'password'), database: 'notifications' });
    await pg.connect();
    expect((await pg.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept across restarts' }]);
    await pg.end();
    expect(await redis(Number(output('notification-service/cache', 'port')), 'GET greeting')).toBe('$5\r\nhello');
    const sqs = sqsClient(output('notification-service/queue', 'url'));
    await expect(sqs.send(new GetQueueAttributesCommand({ QueueUrl: output('notification-service/queue', 'url') }))).resolves.toBeDefined();
    sqs.destroy();
    expect((await get(`${output('notification-service/api', 'url')}/version`)).body).toContain('v1.3.0');
  });

  it('destroy stops every process and frees every port', async () => {
    const stack = model('v1.3.0');
    const ports = [
      new URL(output('notification-service/api', 'url')).port,
      new URL(output('user-service/api', 'url')).port,
      output('notification-service/database', 'port'),
      output('user-service/database', 'port'),
      output('notification-service/cache', 'port'),
    ].map(Number);
    const servers = ports.map((port) => ({ port, listeners: listenersOn(port) }));
    for (const { listeners } of servers) expect(listeners).not.toEqual([]);
    await destroy(stack, 'notification-service/api');
    await destroy(stack, 'user-service/api');
    await Promise.all(['notification-service/database', 'notification-service/cache', 'notification-service/queue', 'user-service/database'].map((id) => destroy(stack, id)));

    expect(processesReferencing(path.join(runtimeHome.home, 'local', 'components'))).toEqual([]);
    for (const { port, listeners } of servers) expect(stillListening(port, listeners)).toEqual([]);
    expect(fs.readdirSync(path.join(runtimeHome.home, 'local', 'components'))).toEqual([]);
  });
});

function sqsClient(queueUrl: string): SQSClient {
  return new SQSClient({ endpoint: new URL(queueUrl).origin, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Those of `before` that still listen on `port` (another test's process may have taken it since). */
function stillListening(port: number, before: SeenProcess[]): SeenProcess[] {
  return listenersOn(port).filter((now) => before.some((then) => then.pid === now.pid && then.startTime === now.startTime));
}

async function postJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
}

function grepTree(dir: string, needle: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((entry) => {
    if (!entry.isFile()) return [];
    const file = path.join(entry.parentPath, entry.name);
    return fs.readFileSync(file, 'utf8').includes(needle) ? [file] : [];
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
