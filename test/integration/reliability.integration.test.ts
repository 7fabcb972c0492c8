/**
 * @mostly-waits This file's minutes go mostly to waiting: killed workers' heartbeat timeouts,
 * an engine stopping, monitor windows. test/sequencer.js starts it
 * among files that keep the cores busy.
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import YAML from 'yaml';
import { serviceStackName } from '../../src/model/componentRef';
import { destroyComponent } from '../../activities/provisioning';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { installRoot, stateDir } from '../../src/paths';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { targetFor } from '../../src/targets/targetFor';
import { componentDeployment } from '../../src/targets/deployment';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { deploymentProgress, deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import { approvalUpdate, ApprovalDecision, DeployServiceInput, DeploymentProgress, DeployServiceResult } from '../../src/temporal/deployment';
import type { DecisionClaims } from '../../src/trust/claims';
import { slackDecisionMac } from '../../src/trust/slackDecisionKey';
import { workerPorts } from '../../worker/ports';
import { get, loadUntil } from '../support/load';
import { ReviewedRepo } from '../support/reviewedRepo';
import { processesReferencing } from '../support/processes';
import { startedAttempts, testClient, testWorker } from '../support/temporal';
import { cleanUp, killGroup, killPids, spawnWorker, waitForPoller } from '../support/workerProcesses';
import { RuntimeRequestFailed, ServiceLockedError } from '../../src/errors';

// Failure modes of deployService on the real dev server, real Pulumi and the local runtime that
// globalSetup started: a worker killed in the middle of a wave or of the monitoring window, two
// applies racing for one lock, ten services at once, cancellation during a rollout, approval timeouts
// and approval channels.
//
// A temporary deployment repo of its own (stacks `reliability` and `reliability-fleet`, environments
// rel-dev / rel-gated / rel-slack) keeps these tests apart from the other files sharing the runtime.
describe('deployment reliability', () => {
  const STACK = 'reliability';
  const FLEET = 'reliability-fleet';
  const FLEET_SIZE = 10;
  const ENV = { dev: 'rel-dev', gated: 'rel-gated', slack: 'rel-slack' };
  /** The secret the Slack app and the worker share (DEPLOYER_SLACK_DECISION_KEY). */
  const SLACK_DECISION_KEY = crypto.randomBytes(32).toString('hex');
  const web = (environment: string) => ({ stack: STACK, environment, service: 'web', component: 'api' });
  const taskQueue = `reliability-${crypto.randomUUID()}`;
  let repo: ReviewedRepo;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const observer = () => new LocalObserver();
  const releases = () => new FileReleaseStore(path.join(stateDir(), 'releases'));

  beforeAll(async () => {
    repo = ReviewedRepo.adopt(buildRepo());
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir(), { slackDecisionKey: SLACK_DECISION_KEY }));
  });

  afterAll(async () => {
    await worker.stop();
    // Leave the shared runtime as we found it: every component this file created is destroyed.
    const created = [
      ...Object.values(ENV).map((environment) => ({ stack: STACK, environment, service: 'web' })),
      ...fleetServices().map((service) => ({ stack: FLEET, environment: ENV.dev, service })),
    ];
    const destroyed = await Promise.allSettled(created.map((where) => destroyIfPresent(loadDesiredStack({ root: repo.root, stack: where.stack, environment: where.environment, variables: { VERSION: 'v0' } }), where.service)));
    await client.close();
    repo.remove();
    const failed = destroyed.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }, 300_000);

  /** The example repo's deployer.yaml and development environment, renamed, plus this file's own stacks. */
  function buildRepo(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-reliability-'));
    const example = path.join(installRoot, 'examples', 'deployment-repo');
    fs.copyFileSync(path.join(example, 'deployer.yaml'), path.join(root, 'deployer.yaml'));
    const development = YAML.parse(fs.readFileSync(path.join(example, 'environments', 'development.yaml'), 'utf8'));
    const environment = (name: string, approval: Record<string, unknown>) => {
      const file = structuredClone(development);
      file.metadata.name = name;
      file.spec.approval = approval;
      // Short rollouts, so nothing waits for minutes.
      file.spec.rollout = { healthTimeout: '40s', monitorWindow: '3s', checkInterval: '1s' };
      for (const image of Object.values(file.spec.local.images) as { workingDir: string }[]) image.workingDir = path.join(installRoot, 'examples', 'apps', 'notification-api');
      write(root, `environments/${name}.yaml`, file);
    };
    environment(ENV.dev, { required: false });
    environment(ENV.gated, { required: true, timeout: '3s' });
    environment(ENV.slack, { required: true, timeout: '10m', channels: ['slack'] });

    // One service with one MicroService of one replica. It turns healthy only after 8 passing checks
    // (one a second while starting), so a rollout lasts long enough to be interrupted in its middle.
    service(root, STACK, 'web');
    write(root, `stacks/${STACK}/services/web/components/api/microservice.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind: 'MicroService',
      metadata: { name: 'api', service: 'web', stack: STACK },
      spec: { image: 'notification-api:${VERSION}', port: 8080, healthCheck: { path: '/health', healthyThreshold: 8, gracePeriodSeconds: 10 }, scaling: { replicas: 1 } },
    });
    // Ten services with one SQS queue each: the cheapest component there is.
    for (const name of fleetServices()) {
      service(root, FLEET, name);
      write(root, `stacks/${FLEET}/services/${name}/components/queue/sqs.yaml`, {
        apiVersion: 'components.deployer.io/v1',
        kind: 'SQS',
        metadata: { name: 'queue', service: name, stack: FLEET },
        spec: { type: 'standard', visibilityTimeoutSeconds: 30 },
      });
    }
    return root;
  }

  function service(root: string, stack: string, name: string): void {
    write(root, `stacks/${stack}/services/${name}/service.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind: 'Service',
      metadata: { name, stack },
      spec: { team: 'reliability', owners: ['alice@company.com'], approvers: ['platform-team'] },
    });
  }

  function fleetServices(): string[] {
    return Array.from({ length: FLEET_SIZE }, (_, index) => `svc-${index}`);
  }

  function input(environment: string, version: string, overrides: Partial<DeployServiceInput> = {}): DeployServiceInput {
    const desired = repo.rendered(loadDesiredStack({ root: repo.root, stack: STACK, environment, variables: { VERSION: version } }));
    return { desired, service: 'web', requestedBy: 'alice@company.com', version, kind: 'deploy', ...overrides };
  }

  async function served(environment: string): Promise<string> {
    const state = await observer().state(web(environment));
    return (await get(`${state!.outputs.url}/version`)).body;
  }

  /** Runtime events of web/api that start a rollout of `version` (a rolling update, or the first start). */
  async function rolloutsOf(environment: string, version: string, since: Date) {
    const events = await observer()
      .events(web(environment), since)
      .catch((error: unknown) => (error instanceof RuntimeRequestFailed && error.status === 404 ? [] : Promise.reject(error)));
    return events.filter((event) => event.type === 'rollout' && (event.message.startsWith(`rolling out ${version} `) || event.message.startsWith(`starting ${version} `)));
  }

  async function destroyIfPresent(desired: DesiredStack, serviceName: string): Promise<void> {
    const stacks = new ComponentStacks(localBackend(stateDir()));
    for (const component of desired.services.find((candidate) => candidate.name === serviceName)!.components) {
      const deployment = componentDeployment(desired.stack, desired.environment, component);
      await destroyComponent(stacks, deployment, targetFor(deployment.environment).program(deployment));
    }
  }

  it('two applies of one service at once: exactly one runs, the other is refused with the lock holder', async () => {
    const since = new Date();
    const outcomes = await Promise.allSettled([
      startServiceDeployment(client.client, input(ENV.dev, 'v1.0.0'), taskQueue),
      startServiceDeployment(client.client, input(ENV.dev, 'v1.0.0', { requestedBy: 'bob@company.com' }), taskQueue),
    ]);
    const started = outcomes.filter((outcome): outcome is PromiseFulfilledResult<WorkflowHandle> => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const error = refused[0]!.reason as ServiceLockedError;
    expect(error).toBeInstanceOf(ServiceLockedError);
    expect(error.workflowId).toBe(`deploy/${STACK}/${ENV.dev}/web`);
    // The refusal names whoever won the race.
    const winner = outcomes[0]!.status === 'fulfilled' ? 'alice@company.com' : 'bob@company.com';
    expect(error.message).toContain(`${winner} is deploying v1.0.0`);

    const result = await deploymentResult(started[0]!.value);
    expect(result.phase).toBe('succeeded');
    expect(result.release).toMatchObject({ version: 'v1.0.0', result: 'succeeded', deployedBy: winner });
    expect(await served(ENV.dev)).toContain('v1.0.0');
    // One deployment ran: one rollout, one release record.
    expect(await rolloutsOf(ENV.dev, 'v1.0.0', since)).toHaveLength(1);
    expect((await releases().history(STACK, ENV.dev, 'web')).filter((record) => record.version === 'v1.0.0')).toHaveLength(1);
  }, 300_000);

  it('a worker killed in the middle of a wave: a new worker finishes the deployment, each component applied once', async () => {
    // A real worker process on a queue of its own, so it can be SIGKILLed with everything it started.
    const crashQueue = `reliability-crash-${crypto.randomUUID()}`;
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-reliability-worker-'));
    const first = spawnWorker(crashQueue, path.join(logDir, 'first.log'));
    let second: ChildProcess | undefined;
    let handle: WorkflowHandle | undefined;
    let passed = false;
    try {
      await waitForPoller(crashQueue, first);
      const since = new Date();
      handle = await startServiceDeployment(client.client, input(ENV.dev, 'v2.0.0'), crashQueue);
      await waitFor(async () => (await deploymentProgress(handle!)).waves.some((wave) => wave.components.some((component) => component.state === 'running')));
      // The rolling update has begun in the runtime: Pulumi is inside the resource's update.
      await waitFor(async () => (await rolloutsOf(ENV.dev, 'v2.0.0', since)).length > 0);
      expect((await observer().state(web(ENV.dev)))?.status.state).toBe('updating');

      await killGroup(first, 'SIGKILL');
      // Pulumi starts its plugins in process groups of their own, and the Node.js dynamic provider
      // does not exit when its engine dies: the killed worker's providers are ended by pid.
      const orphans = processesReferencing(crashQueue);
      expect(orphans.filter((line) => !line.includes('/@pulumi/pulumi/cmd/dynamic-provider/'))).toEqual([]);
      await killPids(orphans.map((line) => Number(line.split(' ')[0])));
      expect(processesReferencing(crashQueue)).toEqual([]);
      // The killed engine left its lock file and the update it was in the middle of.
      const left = pulumiLeftovers(STACK, serviceStackName({ stack: STACK, environment: ENV.dev, service: 'web' }).stack);
      expect(left.locks).toHaveLength(1);
      expect(left.pendingOperations).toEqual([expect.objectContaining({ type: 'updating' })]);

      second = spawnWorker(crashQueue, path.join(logDir, 'second.log'));
      const result = await deploymentResult(handle);
      expect(result.phase).toBe('succeeded');
      expect(await served(ENV.dev)).toContain('v2.0.0');
      expect((await releases().history(STACK, ENV.dev, 'web'))[0]).toMatchObject({ version: 'v2.0.0', result: 'succeeded' });

      // The kill really interrupted the apply: Temporal ran it again on the new worker.
      expect(startedAttempts((await handle.fetchHistory()).events!, 'applyComponent')).toEqual([2]);

      // Applied exactly once: one rollout of v2.0.0, however many times Pulumi ran.
      expect(await rolloutsOf(ENV.dev, 'v2.0.0', since)).toHaveLength(1);
      // Nothing half-made: one healthy replica of the new version, no pending operation or lock in Pulumi's state.
      const health = await observer().health(web(ENV.dev));
      expect(health.healthy).toBe(true);
      expect(health.replicas.map((replica) => [replica.version, replica.state])).toEqual([['v2.0.0', 'healthy']]);
      expect((await observer().state(web(ENV.dev)))?.status.state).toBe('running');
      expect(pulumiLeftovers(STACK, serviceStackName({ stack: STACK, environment: ENV.dev, service: 'web' }).stack)).toEqual({ pendingOperations: [], locks: [] });
      passed = true;
    } finally {
      await cleanUp(handle, second ? [first, second] : [first], crashQueue, logDir, passed);
    }
    expect(processesReferencing(crashQueue)).toEqual([]);
  }, 420_000);

  it('cancelling a deployment stops the Pulumi run, records `cancelled`, frees the lock, and the next deployment succeeds', async () => {
    // A real worker process, as in production, which cancelling must not take down. (In-process under
    // jest, the Automation API's handler for the gRPC rejections of an interrupted inline program is
    // registered on jest's sandboxed `process`, never fires, and jest reports them as unhandled.)
    const cancelQueue = `reliability-cancel-${crypto.randomUUID()}`;
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-reliability-worker-'));
    const workerProcess = spawnWorker(cancelQueue, path.join(logDir, 'worker.log'));
    let handle: WorkflowHandle | undefined;
    let passed = false;
    try {
      await waitForPoller(cancelQueue, workerProcess);
      const since = new Date();
      expect((await deploymentResult(await startServiceDeployment(client.client, input(ENV.dev, 'v2.5.0'), cancelQueue))).phase).toMatch(/succeeded|unchanged/);
      handle = await startServiceDeployment(client.client, input(ENV.dev, 'v3.0.0'), cancelQueue);
      // Cancelled in the middle of the rolling update, while Pulumi waits for the resource's update.
      await waitFor(async () => (await rolloutsOf(ENV.dev, 'v3.0.0', since)).length > 0);
      await handle.cancel();

      const failure = await handle.result().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect((await releases().history(STACK, ENV.dev, 'web'))[0]).toMatchObject({ version: 'v3.0.0', result: 'cancelled', reason: 'cancelled' });
      // Cancelled, not failed: nothing was rolled back.
      const events = (await handle.fetchHistory()).events!;
      expect(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'applyComponent')).toHaveLength(1);

      // Consistent: the engine stopped (no pending operation, no lock), the runtime is not in the middle
      // of a rollout, and what Pulumi recorded is what runs.
      expect(pulumiLeftovers(STACK, serviceStackName({ stack: STACK, environment: ENV.dev, service: 'web' }).stack)).toEqual({ pendingOperations: [], locks: [] });
      const state = await observer().state(web(ENV.dev));
      expect(state?.status.state).toBe('running');
      expect(recordedInputs(STACK, serviceStackName({ stack: STACK, environment: ENV.dev, service: 'web' }).stack).image).toBe(state?.actual.image);

      // The lock is free at once, and the next deployment goes through. It deploys the last good
      // version again, which the cancelled one may have replaced halfway: the plan re-applies it.
      const next = await startServiceDeployment(client.client, input(ENV.dev, 'v2.5.0'), cancelQueue);
      const result = await deploymentResult(next);
      expect(result.phase).toBe('succeeded');
      expect(result.progress.plan?.waves.flatMap((wave) => wave.changes.map((change) => change.id))).toEqual(['web/api']);
      expect(await served(ENV.dev)).toContain('v2.5.0');
      expect((await observer().state(web(ENV.dev)))?.status.state).toBe('running');
      // The worker lived through it all.
      expect(workerProcess.exitCode).toBeNull();
      expect(workerProcess.signalCode).toBeNull();
      passed = true;
    } finally {
      await cleanUp(handle, [workerProcess], cancelQueue, logDir, passed);
    }
  }, 300_000);

  it('a worker killed during the monitoring window: the retry, after the window, still rolls back a release failing one request in three', async () => {
    const crashQueue = `reliability-monitor-crash-${crypto.randomUUID()}`;
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-reliability-worker-'));
    const first = spawnWorker(crashQueue, path.join(logDir, 'first.log'));
    let second: ChildProcess | undefined;
    let handle: WorkflowHandle | undefined;
    let passed = false;
    try {
      await waitForPoller(crashQueue, first);
      // A good release to roll back to.
      expect((await deploymentResult(await startServiceDeployment(client.client, input(ENV.dev, 'v2.5.0'), crashQueue))).phase).toMatch(/succeeded|unchanged/);
      // A window that ends long before the retry can start (the heartbeat timeout, 30 s, passes first).
      const errors = input(ENV.dev, 'v4.0.0-errors');
      errors.desired.environment.spec.rollout = { ...errors.desired.environment.spec.rollout, monitorWindow: '12s' };
      handle = await startServiceDeployment(client.client, errors, crashQueue);
      await waitFor(async () => (await deploymentProgress(handle!)).phase === 'monitoring');
      const { monitoring } = await deploymentProgress(handle);
      const windowEndsAt = Date.parse(monitoring!.startedAt!) + monitoring!.windowMs;
      await waitFor(async () => ((await handle!.describe()).raw.pendingActivities ?? []).some((activity) => activity.activityType?.name === 'monitorRelease' && activity.lastStartedTime));

      await killGroup(first, 'SIGKILL');
      second = spawnWorker(crashQueue, path.join(logDir, 'second.log'));
      // Requests come only once the worker is dead: the release fails one in three for the rest of its
      // window, and only the retry can see it.
      const state = await observer().state(web(ENV.dev));
      const load = await loadUntil(`${state!.outputs.url}/notifications`, new Promise((resolve) => setTimeout(resolve, windowEndsAt - Date.now())), 2);
      expect(load.requests).toBeGreaterThan(20);
      expect(load.failures / load.requests).toBeGreaterThan(0.3);

      const result = await deploymentResult(handle);
      expect(result.phase).toBe('rolled-back');
      expect(result.reason).toMatch(/monitoring breached: error rate [\d.]+% > 5%/);
      expect(await served(ENV.dev)).toContain('v2.5.0');
      expect((await releases().history(STACK, ENV.dev, 'web'))[0]).toMatchObject({ version: 'v4.0.0-errors', result: 'rolled_back' });
      // The verdict is the retry's, reached after the window had ended.
      const events = (await handle.fetchHistory()).events!;
      expect(startedAttempts(events, 'monitorRelease')).toEqual([2]);
      const monitorScheduled = events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'monitorRelease')!.eventId!;
      const verdict = events.find((event) => String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === String(monitorScheduled))!;
      expect(tsToMs(verdict.eventTime)).toBeGreaterThan(windowEndsAt);
      passed = true;
    } finally {
      await cleanUp(handle, second ? [first, second] : [first], crashQueue, logDir, passed);
    }
    expect(processesReferencing(crashQueue)).toEqual([]);
  }, 300_000);

  it('ten services of one stack deploy at once, in parallel, and all succeed', async () => {
    const desired = repo.rendered(loadDesiredStack({ root: repo.root, stack: FLEET, environment: ENV.dev, variables: { VERSION: 'v1' } }));
    const handles = await Promise.all(
      fleetServices().map((name) => startServiceDeployment(client.client, { desired, service: name, requestedBy: 'alice@company.com', version: 'v1', kind: 'deploy' }, taskQueue)),
    );
    const results: DeployServiceResult[] = await Promise.all(handles.map((handle) => deploymentResult(handle)));
    expect(results.map((result) => result.phase)).toEqual(fleetServices().map(() => 'succeeded'));
    for (const name of fleetServices()) {
      const state = await observer().state({ stack: FLEET, environment: ENV.dev, service: name, component: 'queue' });
      expect(state?.outputs.url).toMatch(/^http:\/\//);
    }
    // They overlapped: the last to start started before the first to finish finished, both for the
    // deployments and for their Pulumi runs.
    const windows = (items: { startedAt?: string; finishedAt?: string }[]) => ({
      latestStart: Math.max(...items.map((item) => Date.parse(item.startedAt!))),
      earliestFinish: Math.min(...items.map((item) => Date.parse(item.finishedAt!))),
    });
    const deployments = windows(results.map((result) => result.progress));
    expect(deployments.latestStart).toBeLessThan(deployments.earliestFinish);
    const applies = windows(results.map((result) => result.progress.waves[0]!.components[0]!));
    expect(applies.latestStart).toBeLessThan(applies.earliestFinish);

    await Promise.all(fleetServices().map((name) => destroyIfPresent(desired, name)));
    for (const name of fleetServices()) expect(await observer().state({ stack: FLEET, environment: ENV.dev, service: name, component: 'queue' })).toBeUndefined();
  }, 600_000);

  it('an approval that does not come in time ends the deployment timed-out, nothing deployed, the lock released', async () => {
    const signed = (version: string) => repo.request('alice@company.com', { action: 'deploy', stack: STACK, environment: ENV.gated, version });
    const handle = await startServiceDeployment(client.client, input(ENV.gated, 'v1.0.0', { request: await signed('v1.0.0') }), taskQueue);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('timed-out');
    expect(result.reason).toBe('approval timed out after 3s');
    expect(result.release).toMatchObject({ version: 'v1.0.0', result: 'cancelled' });
    const history = await handle.fetchHistory();
    const activities = history.events!.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => event.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities).not.toContain('applyComponent');
    expect(await observer().state(web(ENV.gated))).toBeUndefined();
    expect(fs.existsSync(checkpointFile(STACK, serviceStackName({ stack: STACK, environment: ENV.gated, service: 'web' }).stack))).toBe(false);

    // The lock is free: the next deployment starts (and, unapproved, times out the same way).
    const again = await startServiceDeployment(client.client, input(ENV.gated, 'v1.0.1', { request: await signed('v1.0.1') }), taskQueue);
    expect((await deploymentResult(again)).phase).toBe('timed-out');
  }, 180_000);

  it('an environment that takes approvals only through Slack refuses one from the CLI and a forged Slack one', async () => {
    const request = await repo.request('alice@company.com', { action: 'deploy', stack: STACK, environment: ENV.slack, version: 'v1.0.0' });
    const handle = await startServiceDeployment(client.client, input(ENV.slack, 'v1.0.0', { request }), taskQueue);
    await waitFor(async () => (await deploymentProgress(handle)).phase === 'awaiting-approval');
    const send = (decision: ApprovalDecision) => handle.executeUpdate(approvalUpdate, { args: [decision] });
    const cli = await repo.decision(await deploymentProgress(handle), 'carol@company.com');
    await expect(send(cli)).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(send(cli)).rejects.toMatchObject({ cause: expect.objectContaining({ message: `approvals for ${ENV.slack} must come through slack; cli was used` }) });
    // Any Temporal client can claim channel slack; without the Slack app's key it proves nothing.
    const forged: DecisionClaims = { ...cli.claims, nonce: crypto.randomUUID(), channel: 'slack', slackUserId: 'U0CAROL' };
    await expect(send({ claims: forged, proof: { type: 'slack', mac: slackDecisionMac(forged, 'a key the worker does not hold, at least 32 chars') } })).rejects.toMatchObject({
      cause: expect.objectContaining({ message: expect.stringContaining('not signed by the Slack app') }),
    });
    let progress: DeploymentProgress = await deploymentProgress(handle);
    expect(progress.phase).toBe('awaiting-approval');
    expect(progress.approval.decision).toBeUndefined();

    // The requester may withdraw her own request from the CLI even here.
    const withdrawal = await repo.decision(progress, 'alice@company.com', false, 'alice@company.com', { comment: 'not today' });
    await send(withdrawal);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('rejected');
    expect(result.reason).toBe('rejected by alice@company.com: not today');
    expect(await observer().state(web(ENV.slack))).toBeUndefined();

    // A decision the Slack app signed is taken (checked on a second deployment, rejected so nothing deploys).
    const second = await startServiceDeployment(client.client, input(ENV.slack, 'v1.0.1', { request: await repo.request('alice@company.com', { action: 'deploy', stack: STACK, environment: ENV.slack, version: 'v1.0.1' }) }), taskQueue);
    await waitFor(async () => (await deploymentProgress(second)).phase === 'awaiting-approval');
    progress = await deploymentProgress(second);
    const claims: DecisionClaims = { ...(await repo.decision(progress, 'carol@company.com', false)).claims, channel: 'slack', slackUserId: 'U0CAROL' };
    await second.executeUpdate(approvalUpdate, { args: [{ claims, proof: { type: 'slack', mac: slackDecisionMac(claims, SLACK_DECISION_KEY) } }] });
    expect(await deploymentResult(second)).toMatchObject({ phase: 'rejected', reason: 'rejected by carol@company.com' });
  }, 180_000);
});

function write(root: string, file: string, content: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), YAML.stringify(content));
}

/** The Pulumi file backend's checkpoint of one component stack. */
function checkpointFile(project: string, stack: string): string {
  return path.join(stateDir(), 'pulumi', 'state', '.pulumi', 'stacks', project, `${stack}.json`);
}

interface Checkpoint {
  checkpoint: { latest?: { resources?: { type: string; inputs?: Record<string, unknown> }[]; pending_operations?: unknown[] } };
}

/** What an interrupted engine can leave behind: pending operations in the checkpoint, and lock files. */
function pulumiLeftovers(project: string, stack: string): { pendingOperations: unknown[]; locks: string[] } {
  const checkpoint = JSON.parse(fs.readFileSync(checkpointFile(project, stack), 'utf8')) as Checkpoint;
  const lockRoot = path.join(stateDir(), 'pulumi', 'state', '.pulumi', 'locks');
  const locks = fs.existsSync(lockRoot) ? (fs.readdirSync(lockRoot, { recursive: true }) as string[]).filter((file) => file.includes(stack) && file.endsWith('.json')) : [];
  return { pendingOperations: checkpoint.checkpoint.latest?.pending_operations ?? [], locks };
}

/** The inputs Pulumi recorded for the component's one local resource. */
function recordedInputs(project: string, stack: string): Record<string, unknown> {
  const checkpoint = JSON.parse(fs.readFileSync(checkpointFile(project, stack), 'utf8')) as Checkpoint;
  return checkpoint.checkpoint.latest!.resources!.find((resource) => resource.type.startsWith('pulumi-nodejs:dynamic:'))!.inputs!;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
