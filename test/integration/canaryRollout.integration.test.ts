/**
 * @mostly-waits This file's minutes go mostly to waiting: canary steps' analysis windows and a
 * killed worker's heartbeat timeout. test/sequencer.js starts it
 * among files that keep the cores busy.
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { stateDir } from '../../src/paths';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { deploymentProgress, deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import { DEPLOY_STACK_WORKFLOW, DeployServiceInput } from '../../src/temporal/deployment';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { workerPorts } from '../../worker/ports';
import { get, loadUntil, LoadReport } from '../support/load';
import { ReviewedRepo } from '../support/reviewedRepo';
import { processesReferencing } from '../support/processes';
import { startedAttempts, testClient, testServerAddress, testWorker } from '../support/temporal';
import { runCli } from '../support/cli';
import { cleanUp, killGroup, spawnWorker, waitForPoller } from '../support/workerProcesses';

type Steps = NonNullable<DesiredStack['environment']['spec']['rollout']['canary']>['steps'];

// Canaries on the real dev server, worker, engine and local runtime, under steady traffic: a bad
// version reaches almost no one, a good one is promoted through every step without a failed
// request, and a manual step waits for a promotion that only an approver can give.
describe('canary rollouts', () => {
  const taskQueue = `canary-${crypto.randomUUID()}`;
  const api = { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' };
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const releases = () => new FileReleaseStore(path.join(stateDir(), 'releases'));
  const repo = ReviewedRepo.create();
  const shares: Record<string, LoadReport> = {};
  const emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-canary-client-'));
  /** A CLI as `person` on another machine: nothing but Temporal's address, their identity and key. */
  const elsewhere = (person: string): NodeJS.ProcessEnv => ({ ...repo.envFor(person), DEPLOYER_HOME: emptyHome, DEPLOYER_CONFIG: path.join(emptyHome, 'none.json'), DEPLOYER_TEMPORAL_ADDRESS: testServerAddress() });

  /**
   * The example repo in development with a short rollout; `steps` turns the canary strategy on. These
   * tests judge error rates and traffic shares; the latency rule is the unit tests' (canary.test): a
   * freshly started canary's p99 over a few dozen requests, on two cores running three test files, is
   * noise (75 ms against 17 once), so it is given room here.
   */
  function desired(version: string, steps?: Steps, monitorWindow = '3s'): DesiredStack {
    const model = loadDesiredStack({ root: repo.root, stack: 'user-platform', environment: 'development', variables: { VERSION: version } });
    model.environment.spec.rollout = {
      healthTimeout: '40s',
      monitorWindow,
      checkInterval: '1s',
      ...(steps && { strategy: 'canary' as const, canary: { steps, analysis: { maxErrorRateIncrease: 1, maxP99LatencyIncreasePercent: 1000, minRequests: 10, insufficientTraffic: 'wait' as const } } }),
    };
    return repo.rendered(model);
  }

  function input(version: string, steps?: Steps, monitorWindow?: string): DeployServiceInput {
    return { desired: desired(version, steps, monitorWindow), service: 'notification-service', requestedBy: 'alice@company.com', version, kind: 'deploy' };
  }

  async function url(): Promise<string> {
    return (await new LocalObserver().state(api))!.outputs.url!;
  }

  beforeAll(async () => {
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir(), { policy: repo.policySource() }));
    await client.client.workflow.execute(DEPLOY_STACK_WORKFLOW, { taskQueue, workflowId: `deploy-stack/${crypto.randomUUID()}`, args: [{ desired: desired('v1.2.0'), requestedBy: 'alice@company.com', version: 'v1.2.0' }] });
  });

  afterAll(async () => {
    await worker.stop();
    await client.close();
    repo.remove();
    fs.rmSync(emptyHome, { recursive: true, force: true });
    const share = (report?: LoadReport) => (report ? `${((report.failures / report.requests) * 100).toFixed(2)}% (${report.failures} of ${report.requests})` : 'not measured');
    console.log(`Failed-request share under steady traffic, v1.5.0-errors: rolling update ${share(shares.rolling)}; canary at 5% ${share(shares.canary)}`);
  });

  it('a rolling update of a version that fails 1 request in 3 fails many requests before monitoring rolls it back', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.5.0-errors', undefined, '15s'), taskQueue);
    shares.rolling = await loadUntil(`${await url()}/notifications`, handle.result(), 2);
    expect((await deploymentResult(handle)).phase).toBe('rolled-back');
  });

  it('a canary of 5% of the same version is rolled back by its analysis, and under 2% of requests fail', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.5.0-errors', [{ weight: 5, pause: '30s' }, { weight: 50, pause: '10s' }]), taskQueue);
    shares.canary = await loadUntil(`${await url()}/notifications`, handle.result(), 2);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toMatch(/canary v1\.5\.0-errors of notification-service\/api, step 1 \(5% of requests\): analysis failed: error rate [\d.]+% vs stable 0% \(\+[\d.]+ points > 1\)/);
    const [canary] = result.progress.canaries!;
    expect(canary).toMatchObject({ state: 'failed', steps: [{ step: 1, weight: 5, outcome: 'failed' }] });
    expect(shares.canary.failures / shares.canary.requests).toBeLessThan(0.02);
    expect((await get(`${await url()}/version`)).body).toContain('v1.2.0');
    expect((await releases().history('user-platform', 'development', 'notification-service'))[0]).toMatchObject({ version: 'v1.5.0-errors', result: 'rolled_back', canaries: [expect.objectContaining({ state: 'failed' })] });
  });

  it('a good version goes through every step to all traffic without a failed request', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.6.0', [{ weight: 10, pause: '5s' }, { weight: 50, pause: '5s' }]), taskQueue);
    const load = await loadUntil(`${await url()}/version`, handle.result(), 2);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('succeeded');
    expect(load.failureSamples).toEqual([]);
    expect(load.versions).toEqual(['v1.2.0', 'v1.6.0']);
    expect(result.progress.canaries).toEqual([expect.objectContaining({ state: 'promoted', steps: [expect.objectContaining({ outcome: 'passed' }), expect.objectContaining({ outcome: 'passed' })] })]);
    expect(result.release?.canaries?.[0]?.steps[0]?.figures?.canary.requests.total).toBeGreaterThanOrEqual(10);
  });

  it('a manual step waits for `deployer promote` by an approver; the requester\'s is refused', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.7.0', [{ weight: 20, pause: 'manual' }]), taskQueue);
    await waitFor(async () => Boolean((await deploymentProgress(handle)).canaries?.[0]?.steps[0]?.waiting?.manual));
    // `deployer promote` as each of them: it signs a decision on this canary's step with their key.
    const promote = (person: string) => runCli(['promote', '--service', 'notification-service', '--environment', 'development', '--repo', repo.root], elsewhere(person));
    // `status` says where the deployment is: the canary's step and what it waits for.
    const status = await runCli(['status', '--service', 'notification-service', '--environment', 'development', '--repo', repo.root], { ...repo.envFor('carol@company.com'), DEPLOYER_TEMPORAL_ADDRESS: testServerAddress() });
    expect(status.stdout).toMatch(/⟳ Deploying v1\.7\.0 for alice@company\.com, started (just now|\d+ minutes? ago): deploying/);
    expect(status.stdout).toMatch(/Canary v1\.7\.0 beside v1\.\d\.\d+: step 1\/1, 20% of requests/);
    expect(status.stdout).toContain('└─ Step 1 (20%): waiting for `deployer promote`');
    const own = await promote('alice@company.com');
    expect(own.code).toBe(1);
    expect(own.stderr).toContain('promote refused: alice@company.com requested this deployment and cannot approve it too');
    const promoted = await promote('carol@company.com');
    expect(promoted).toMatchObject({ code: 0, stdout: expect.stringContaining('✓ Promoted the canary of notification-service/api (v1.7.0) past step 1 (20%)') });
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('succeeded');
    expect(result.progress.canaries?.[0]?.steps[0]).toMatchObject({ outcome: 'promoted', by: 'carol@company.com' });
    expect((await get(`${await url()}/version`)).body).toContain('v1.7.0');
  });

  it('`deployer abort` by the requester at a manual step: every request goes back to stable and the deployment rolls back', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.7.1', [{ weight: 20, pause: 'manual' }]), taskQueue);
    await waitFor(async () => Boolean((await deploymentProgress(handle)).canaries?.[0]?.steps[0]?.waiting?.manual));
    const aborted = await runCli(['abort', '--service', 'notification-service', '--environment', 'development', '--repo', repo.root, '--comment', 'wrong build'], elsewhere('alice@company.com'));
    expect(aborted).toMatchObject({ code: 0, stdout: expect.stringContaining('✓ Aborted the canary of notification-service/api (v1.7.1): v1.7.0 takes every request again and the deployment rolls back') });
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('rolled-back');
    expect(result.progress.canaries?.[0]).toMatchObject({ state: 'aborted', steps: [{ step: 1, outcome: 'aborted' }] });
    const versions = new Set<string>();
    for (let request = 0; request < 20; request += 1) versions.add(JSON.parse((await get(`${await url()}/version`)).body).version);
    expect([...versions]).toEqual(['v1.7.0']);
  });
});

// A worker process killed in the middle of a canary step: the next worker resumes that step (its
// watch retried over the same window), neither restarting the canary nor skipping its analysis.
describe('canary rollouts when the worker dies', () => {
  const repo = ReviewedRepo.create();
  let client: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    client = await testClient();
  });

  afterAll(async () => {
    await client.close();
    repo.remove();
  });

  it('a worker killed mid-step: a new worker resumes the canary at that step, and the deployment succeeds', async () => {
    const queue = `canary-crash-${crypto.randomUUID()}`;
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-canary-worker-'));
    const first = spawnWorker(queue, path.join(logDir, 'first.log'));
    let second: ChildProcess | undefined;
    let handle: WorkflowHandle | undefined;
    let passed = false;
    // What is tested is where a new worker resumes, not the analysis: a p99 over the short second
    // step of a replica started moments ago on a loaded machine is noise (72 ms vs 16 ms failed it
    // once), so only errors judge here.
    const version = (tag: string, steps?: Steps) => {
      const model = loadDesiredStack({ root: repo.root, stack: 'user-platform', environment: 'development', variables: { VERSION: tag } });
      model.environment.spec.rollout = { healthTimeout: '40s', monitorWindow: '0s', checkInterval: '1s', ...(steps && { strategy: 'canary' as const, canary: { steps, analysis: { maxErrorRateIncrease: 1, maxP99LatencyIncreasePercent: 1000, minRequests: 5, insufficientTraffic: 'wait' as const } } }) };
      return repo.rendered(model);
    };
    try {
      await waitForPoller(queue, first);
      await client.client.workflow.execute(DEPLOY_STACK_WORKFLOW, { taskQueue: queue, workflowId: `deploy-stack/${crypto.randomUUID()}`, args: [{ desired: version('v1.2.0'), requestedBy: 'alice@company.com', version: 'v1.2.0' }] });
      handle = await startServiceDeployment(client.client, { desired: version('v1.8.0', [{ weight: 20, pause: '45s' }, { weight: 50, pause: '3s' }]), service: 'notification-service', requestedBy: 'alice@company.com', version: 'v1.8.0', kind: 'deploy' }, queue);
      await waitFor(async () => ((await handle!.describe()).raw.pendingActivities ?? []).some((activity) => activity.activityType?.name === 'watchCanary' && activity.lastStartedTime));

      await killGroup(first, 'SIGKILL');
      second = spawnWorker(queue, path.join(logDir, 'second.log'));
      const url = (await new LocalObserver().state({ stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' }))!.outputs.url!;
      const load = await loadUntil(`${url}/version`, handle.result(), 2);

      const result = await deploymentResult(handle);
      expect(result.phase).toBe('succeeded');
      expect(load.failureSamples).toEqual([]);
      expect(result.progress.canaries?.[0]).toMatchObject({ state: 'promoted', steps: [{ step: 1, weight: 20, outcome: 'passed' }, { step: 2, weight: 50, outcome: 'passed' }] });
      const events = (await handle.fetchHistory()).events!;
      // Step 1's watch ran again on the new worker; the canary was applied once per step, not restarted.
      expect(startedAttempts(events, 'watchCanary')).toEqual([2, 1]);
      expect(startedAttempts(events, 'applyComponent').length).toBe(3);
      passed = true;
    } finally {
      await cleanUp(handle, second ? [first, second] : [first], queue, logDir, passed);
    }
    expect(processesReferencing(queue)).toEqual([]);
  }, 300_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
