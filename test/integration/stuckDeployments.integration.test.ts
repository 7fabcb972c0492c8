/**
 * @mostly-waits This file's minutes go mostly to waiting: health timeouts and rollouts that do
 * not end by themselves. test/sequencer.js starts it
 * among files that keep the cores busy.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import YAML from 'yaml';
import { ComponentStackId } from '../../src/model/componentRef';
import { serviceStackName } from '../../src/model/componentRef';
import { destroyComponent } from '../../activities/provisioning';
import { forceUnlock, listLocks } from '../../cli/locks';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot, stateDir } from '../../src/paths';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks, StackMember } from '../../src/pulumi/componentStacks';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { targetFor } from '../../src/targets/targetFor';
import { ComponentDeployment, componentDeployment } from '../../src/targets/deployment';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import type { DeployServiceInput } from '../../src/temporal/deployment';
import { get } from '../support/load';
import { descendantsOf, processesReferencing } from '../support/processes';
import { loggedNotifications } from '../support/notifications';
import { ReviewedRepo } from '../support/reviewedRepo';
import { testClient, testNamespace } from '../support/temporal';
import { cleanUp, spawnWorker, waitForPoller } from '../support/workerProcesses';

// Deployments that used to hang for hours, on the real dev server, Pulumi and local runtime: a
// MicroService whose command cannot be spawned, and a forced unlock in the middle of an `up` that
// would not end by itself. One worker process (outside jest's sandbox, as in production: an
// interrupted inline program's gRPC rejections need the real `process`) on a task queue of its own;
// stack `stuck`, environment `stuck-dev`, so nothing collides with other files sharing the runtime.
describe('deployments that cannot finish', () => {
  const STACK = 'stuck';
  const ENV = 'stuck-dev';
  const app = path.join(installRoot, 'examples', 'apps', 'notification-api');
  const taskQueue = `stuck-${crypto.randomUUID()}`;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-stuck-worker-'));
  let repo: ReviewedRepo;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: ReturnType<typeof spawnWorker>;
  let passed = 0;
  const handles: WorkflowHandle[] = [];
  const releases = () => new FileReleaseStore(path.join(stateDir(), 'releases'));

  beforeAll(async () => {
    repo = ReviewedRepo.adopt(buildRepo());
    client = await testClient();
    worker = spawnWorker(taskQueue, path.join(logDir, 'worker.log'));
    await waitForPoller(taskQueue, worker);
  }, 180_000);

  afterAll(async () => {
    const running = await Promise.all(handles.map(async (handle) => ((await handle.describe()).status.name === 'RUNNING' ? handle : undefined)));
    await cleanUp(running.find(Boolean), [worker], taskQueue, logDir, passed === 4);
    await client.close();
    // Leave the shared runtime as we found it.
    await Promise.all(['broken', 'slow'].map((service) => destroy(service)));
    repo.remove();
  }, 120_000);

  /** The example's deployer.yaml and development environment, with an image whose command is one argv entry. */
  function buildRepo(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-stuck-'));
    const example = path.join(installRoot, 'examples', 'deployment-repo');
    fs.copyFileSync(path.join(example, 'deployer.yaml'), path.join(root, 'deployer.yaml'));
    const environment = YAML.parse(fs.readFileSync(path.join(example, 'environments', 'development.yaml'), 'utf8'));
    environment.metadata.name = ENV;
    environment.spec.rollout = { healthTimeout: '3m', monitorWindow: '2s', checkInterval: '1s' };
    environment.spec.local.images = {
      'notification-api': { command: ['node', 'server.js'], workingDir: app },
      'broken-api': { command: ['node server.js; touch x'], workingDir: app },
      // Runs, but never answers its health check (and is never judged unhealthy within its grace).
      'silent-api': { command: ['node', '-e', 'setInterval(() => undefined, 1000)'], workingDir: app },
      // Answers after 10 s: a rollout long enough to kill the engine's plugin in the middle of it.
      'late-api': { command: ['node', '-e', 'setTimeout(() => require("./server.js"), 10000)'], workingDir: app },
    };
    write(root, `environments/${ENV}.yaml`, environment);
    // Each runs the image ${IMAGE} names; silent-api's rollout waits for the whole health timeout.
    for (const name of ['broken', 'slow']) {
      service(root, name, { image: '${IMAGE:-notification-api}:${VERSION}', port: 8080, healthCheck: { path: '/health', healthyThreshold: 1, gracePeriodSeconds: 600 }, scaling: { replicas: 1 } });
    }
    return root;
  }

  function service(root: string, name: string, spec: Record<string, unknown>): void {
    write(root, `stacks/${STACK}/services/${name}/service.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind: 'Service',
      metadata: { name, stack: STACK },
      spec: { team: 'reliability', owners: ['alice@company.com'], approvers: ['platform-team'] },
    });
    write(root, `stacks/${STACK}/services/${name}/components/api/microservice.yaml`, { apiVersion: 'components.deployer.io/v1', kind: 'MicroService', metadata: { name: 'api', service: name, stack: STACK }, spec });
  }

  async function deploy(service: string, version: string, variables: Record<string, string> = {}, healthTimeout?: string): Promise<WorkflowHandle> {
    const desired = repo.rendered(loadDesiredStack({ root: repo.root, stack: STACK, environment: ENV, variables: { VERSION: version, ...variables } }));
    if (healthTimeout) desired.environment.spec.rollout.healthTimeout = healthTimeout;
    const input: DeployServiceInput = { desired, service, requestedBy: 'alice@company.com', version, kind: 'deploy' };
    const handle = await startServiceDeployment(client.client, input, taskQueue);
    handles.push(handle);
    return handle;
  }

  /** A service's one component, rendered with `variables`: its deployment, and as a member of its service's stack. */
  function componentStack(service: string, variables: Record<string, string>): { id: ComponentStackId; member: StackMember; deployment: ComponentDeployment } {
    const desired = loadDesiredStack({ root: repo.root, stack: STACK, environment: ENV, variables });
    const component = desired.services.find((candidate) => candidate.name === service)!.components[0]!;
    const deployment = componentDeployment(STACK, desired.environment, component);
    return { id: serviceStackName(deployment.ref), member: { name: deployment.ref.component, program: targetFor(deployment.environment).program(deployment) }, deployment };
  }

  async function destroy(service: string): Promise<void> {
    const { deployment, member } = componentStack(service, { VERSION: 'v0' });
    await destroyComponent(new ComponentStacks(localBackend(stateDir())), deployment, member.program);
  }

  async function served(service: string): Promise<string> {
    const state = await new LocalObserver().state({ stack: STACK, environment: ENV, service, component: 'api' });
    return (await get(`${state!.outputs.url}/version`)).body;
  }

  /** This worker's Pulumi processes (engines and their plugins inherit the worker's environment, task queue included). */
  const pulumiProcesses = () => processesReferencing(taskQueue).filter((line) => line.includes('pulumi'));

  it('a command that cannot be spawned fails the wave at once with the reason, and the release before keeps serving', async () => {
    expect((await deploymentResult(await deploy('broken', 'v1.0.0', { IMAGE: 'notification-api' }))).phase).toBe('succeeded');

    const started = Date.now();
    const result = await deploymentResult(await deploy('broken', 'v2.0.0', { IMAGE: 'broken-api' }));
    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toBe(
      'wave 1 failed: broken/api: api: cannot start `node server.js; touch x`: spawn ENOENT (the command is one argv entry; split it: [node, server.js]; `;` is shell syntax, which needs [sh, -c, "..."]); v1.0.0 keeps serving',
    );
    // No health timeout (3 minutes here) was waited for: the failure is known as soon as the spawn fails.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect((await releases().history(STACK, ENV, 'broken'))[0]).toMatchObject({ version: 'v2.0.0', result: 'rolled_back' });
    expect(await served('broken')).toContain('v1.0.0');
    const health = await new LocalObserver().health({ stack: STACK, environment: ENV, service: 'broken', component: 'api' });
    expect(health.replicas.map((replica) => [replica.version, replica.state])).toEqual([['v1.0.0', 'healthy']]);
    passed += 1;
  }, 240_000);

  it('a forced unlock during an `up` that would not end ends its engine, and the next deployment succeeds', async () => {
    // Its rollout waits 45 s for a health check that never passes; the forced unlock comes at its start.
    const rolloutMs = 45_000;
    const handle = await deploy('slow', 'v1.0.0', { IMAGE: 'silent-api' }, `${rolloutMs / 1000}s`);
    const ref = { stack: STACK, environment: ENV, service: 'slow', component: 'api' };
    // Pulumi is inside the resource's create: the runtime is rolling the replica out.
    await waitFor(async () => (await new LocalObserver().events(ref).catch(() => [])).some((event) => event.type === 'rollout'));
    const rolloutSeen = Date.now();
    expect(pulumiProcesses().some((line) => line.includes('--stack slow.stuck-dev'))).toBe(true);

    const locks = await listLocks(client.client, { stack: STACK, environment: ENV, service: 'slow' }, { namespace: testNamespace() });
    // The record of the unlock goes to the queue this file's worker polls, as DEPLOYER_TASK_QUEUE says.
    const queue = process.env.DEPLOYER_TASK_QUEUE;
    process.env.DEPLOYER_TASK_QUEUE = taskQueue;
    const [ended] = await forceUnlock(client.client, locks, { by: 'ops@company.com', reason: 'stuck rollout' }).finally(() => {
      if (queue === undefined) delete process.env.DEPLOYER_TASK_QUEUE;
      else process.env.DEPLOYER_TASK_QUEUE = queue;
    });
    expect(ended).toMatchObject({ service: 'slow', terminated: true });
    expect((await handle.describe()).status.name).toBe('TERMINATED');

    // The engine it left behind ends by itself within seconds (heartbeat, a grace, then terminated),
    // with its plugins; it leaves no lock behind.
    await waitFor(async () => pulumiProcesses().length === 0, 45_000);
    // Ended by the unlock, not by the end of the rollout it was waiting for.
    expect(Date.now() - rolloutSeen).toBeLessThan(rolloutMs);
    const lockDir = path.join(stateDir(), 'pulumi', 'state', '.pulumi', 'locks', STACK, 'slow.stuck-dev');
    expect(fs.existsSync(lockDir) ? fs.readdirSync(lockDir) : []).toEqual([]);

    // The next deployment, of an image that answers, takes the lock and goes through (once the
    // runtime has finished the rollout the ended engine asked for, as after a lost worker).
    const next = await deploymentResult(await deploy('slow', 'v1.0.1'));
    expect({ phase: next.phase, reason: next.reason }).toEqual({ phase: 'succeeded', reason: undefined });
    expect(await served('slow')).toContain('v1.0.1');
    passed += 1;
  }, 300_000);

  it('an engine killed in the middle of an `up`: the retry clears the lock it left, says so, and goes on', async () => {
    const since = new Date();
    const handle = await deploy('slow', 'v1.1.0', { IMAGE: 'silent-api' }, '20s');
    const ref = { stack: STACK, environment: ENV, service: 'slow', component: 'api' };
    await waitFor(async () => (await new LocalObserver().events(ref, since)).some((event) => event.type === 'rollout' && event.message.startsWith('rolling out v1.1.0 ')));
    const engine = pulumiProcesses().find((line) => line.includes(' up ') && line.includes('--stack slow.stuck-dev'));
    const pid = Number(engine!.split(' ')[0]);
    process.kill(pid, 'SIGKILL');

    // The retry finds the dead engine's lock, clears it, and runs: silent-api is then rolled back
    // after its 20 s health timeout, like any release that never turns healthy.
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toContain('was not healthy after 20 s');
    const cleared = loggedNotifications().filter((notification) => notification.type === 'stale-lock-cleared' && notification.environment === ENV);
    expect(cleared).toEqual([
      expect.objectContaining({
        stack: STACK,
        service: 'slow',
        workflowId: `deploy/${STACK}/${ENV}/slow`,
        message: expect.stringContaining(`slow/api: cleared the Pulumi lock of slow.stuck-dev left by an engine that no longer runs (pid ${pid} on ${os.hostname()}, locked at `),
      }),
    ]);
    expect(await served('slow')).toContain('v1.0.1');
    passed += 1;
  }, 300_000);

  it('an update whose provider plugin dies is awaited: the rollback that follows puts the previous release back', async () => {
    // What a deployment does when the engine reports the failed update: it applies the previous
    // release again. The runtime is still rolling out the abandoned update at that moment.
    const since = new Date();
    const ref = { stack: STACK, environment: ENV, service: 'slow', component: 'api' };
    const stacks = new ComponentStacks(localBackend(stateDir()));
    const late = componentStack('slow', { VERSION: 'v1.2.0', IMAGE: 'late-api' });
    const update = stacks.upMembers(late.id, [late.member]);
    await waitFor(async () => (await new LocalObserver().events(ref, since)).some((event) => event.type === 'rollout' && event.message.startsWith('rolling out v1.2.0 ')));
    const engine = processesReferencing('--stack slow.stuck-dev').find((line) => / up /.test(line));
    const plugin = descendantsOf(Number(engine!.split(' ')[0])).find((child) => child.command.includes('dynamic-provider'));
    process.kill(plugin!.pid, 'SIGKILL');
    expect((await update).get('api')!.error).toBeInstanceOf(Error);

    const previous = componentStack('slow', { VERSION: 'v1.0.1' });
    expect((await stacks.upMembers(previous.id, [previous.member])).get('api')!.error).toBeUndefined();
    await waitFor(async () => (await new LocalObserver().state(ref))?.status.state === 'running');
    // The abandoned rollout ended before the rollback was applied, not after it.
    expect(await served('slow')).toContain('v1.0.1');
    expect((await new LocalObserver().state(ref))?.status.version).toBe('v1.0.1');
    passed += 1;
  }, 300_000);
});

function write(root: string, file: string, content: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), YAML.stringify(content));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
