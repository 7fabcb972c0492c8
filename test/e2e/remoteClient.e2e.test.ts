import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { conventionalHttpAddress } from '../../src/devenv/endpoints';
import { installRoot } from '../../src/paths';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import type { ReleaseRecord, ReleaseResult } from '../../src/releases/releaseRecord';
import { freePort } from '../../src/tcpPorts';
import { workerPorts } from '../../worker/ports';
import { runCli } from '../support/cli';
import { testClient, testServerAddress, testWorker } from '../support/temporal';

// The issue "clients need only Temporal": the worker holds the release log; a CLI on another
// machine (an empty DEPLOYER_HOME, the same Temporal) sees the same history and plans against what
// is deployed, as a CLI sharing the worker's home does.
const repo = path.join(installRoot, 'examples', 'deployment-repo');
const stack = 'user-platform';
const environment = 'development';
const taskQueue = `remote-client-${crypto.randomUUID()}`;

describe('a CLI with nothing but Temporal', () => {
  let workerHome: string;
  let emptyHome: string;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const as = (home: string, extra: NodeJS.ProcessEnv = {}) => ({ DEPLOYER_HOME: home, DEPLOYER_TASK_QUEUE: taskQueue, DEPLOYER_CONFIG: path.join(home, 'no-config.json'), ...extra });

  /** What the worker's deployments would have recorded: the repo's components at `version`. */
  function released(service: string, version: string, result: ReleaseResult, minutesAgo: number): ReleaseRecord {
    const desired = loadDesiredStack({ root: repo, stack, environment, variables: { VERSION: version } });
    const spec = desired.services.find((each) => each.name === service)!;
    const at = new Date(Date.now() - minutesAgo * 60_000);
    return {
      stack,
      environment,
      service,
      version,
      deployedBy: 'alice@company.com',
      startedAt: at.toISOString(),
      finishedAt: new Date(at.getTime() + 42_000).toISOString(),
      result,
      workflowId: `deploy/${stack}/${environment}/${service}`,
      components: spec.components.map(({ source: _source, ...component }) => component),
      serviceSpec: spec.spec,
      environmentSpec: desired.environment.spec,
      groups: desired.groups,
    };
  }

  beforeAll(async () => {
    workerHome = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-worker-home-'));
    emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-client-home-'));
    const log = new FileReleaseStore(path.join(workerHome, 'releases'));
    await log.append(released('user-service', 'v1.2.0', 'succeeded', 30));
    await log.append(released('notification-service', 'v1.1.0', 'succeeded', 20));
    await log.append(released('notification-service', 'v1.2.0', 'succeeded', 10));
    await log.append(released('notification-service', 'v1.3.0', 'rolled_back', 5));
    worker = await testWorker(taskQueue, workerPorts(workerHome));
  });

  afterAll(async () => {
    await worker.stop();
    for (const home of [workerHome, emptyHome]) fs.rmSync(home, { recursive: true, force: true });
  });

  it('history --json: the same releases as with the worker\'s home', async () => {
    const args = ['history', '--service', 'notification-service', '--environment', environment, '--json'];
    const remote = await runCli(args, as(emptyHome), repo);
    const local = await runCli(args, as(workerHome), repo);
    expect(remote.code).toBe(0);
    expect(remote.stdout).toBe(local.stdout);
    const json = JSON.parse(remote.stdout);
    expect(json.releases.map((release: { version: string; result: string }) => `${release.version}:${release.result}`)).toEqual(['v1.3.0:rolled_back', 'v1.2.0:succeeded', 'v1.1.0:succeeded']);
    // What history --json shows of a release, and no more: no specs, no settings.
    expect(Object.keys(json.releases[0]).sort()).toEqual(['components', 'deployedBy', 'durationMs', 'finishedAt', 'kind', 'result', 'startedAt', 'version', 'workflowId']);
    expect(json.releases[0].components).toEqual(expect.arrayContaining(['notification-service/api']));
  });

  it('plan --json: compared with what is deployed, the same plan as with the worker\'s home', async () => {
    const args = ['plan', '--stack', stack, '--service', 'notification-service', '--environment', environment, '--var', 'VERSION=v1.3.0', '--json'];
    const remote = await runCli(args, as(emptyHome), repo);
    const local = await runCli(args, as(workerHome), repo);
    expect(remote.stdout).toBe(local.stdout);
    expect(remote.code).toBe(0);
    expect(remote.stderr).not.toContain('could not compare');
    const plan = JSON.parse(remote.stdout);
    expect(plan.comparedWithDeployed).toBe(true);
    const actions = plan.waves.flatMap((wave: { changes: { id: string; action: string }[] }) => wave.changes.map((change) => `${change.id}:${change.action}`));
    // v1.2.0 runs: only the api's image changes; nothing is created.
    expect(actions).toContain('notification-service/api:update');
    expect(actions.filter((action: string) => action.endsWith(':create'))).toEqual([]);
  });

  it('over Temporal\'s HTTP API (no SDK to load): the same history and plan as over gRPC', async () => {
    const httpAddress = process.env.DEPLOYER_TEST_TEMPORAL_HTTP_ADDRESS;
    expect(httpAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const overHttp = as(emptyHome, { DEPLOYER_TEMPORAL_HTTP_ADDRESS: httpAddress });
    for (const args of [
      ['history', '--service', 'notification-service', '--environment', environment, '--json'],
      // Nothing released there: empty lists must come back as lists (the API's payload shorthand makes them null).
      ['history', '--service', 'notification-service', '--environment', 'staging', '--json'],
      ['plan', '--stack', stack, '--service', 'notification-service', '--environment', environment, '--var', 'VERSION=v1.3.0', '--json'],
    ]) {
      // `none`: gRPC, even where an HTTP API would be assumed.
      const [http, grpc] = [await runCli(args, overHttp, repo), await runCli(args, as(emptyHome, { DEPLOYER_TEMPORAL_HTTP_ADDRESS: 'none' }), repo)];
      expect(http.code).toBe(0);
      expect(http.stderr).toBe('');
      expect(http.stdout).toBe(grpc.stdout);
    }
    // A worker that does not answer is told apart from a server that does not.
    const nobody = await runCli(['history', '--service', 'notification-service', '--environment', environment, '--json'], { ...overHttp, DEPLOYER_TASK_QUEUE: `${taskQueue}-nobody` }, repo);
    expect(nobody.code).toBe(1);
    expect(JSON.parse(nobody.stdout).error.code).toBe('WORKER_NOT_ANSWERING');
  }, 60_000);

  it('an empty home on the machine of a Temporal that keeps the convention (HTTP port = gRPC + 10) reads over its HTTP API untold', async () => {
    expect(process.env.DEPLOYER_TEST_TEMPORAL_HTTP_ADDRESS).toBe(conventionalHttpAddress(testServerAddress()));
    const since = new Date(Date.now() - 1000).toISOString();
    const remote = await runCli(['history', '--service', 'notification-service', '--environment', environment, '--json'], as(emptyHome), repo);
    expect(remote.code).toBe(0);
    // Who started the reads: the HTTP client names itself deployer-cli@<pid>; the SDK's client <pid>@<host>.
    const { client, close } = await testClient();
    try {
      const query = `WorkflowType = 'readReleases' AND TaskQueue = '${taskQueue}' AND StartTime > '${since}'`;
      const reads: string[] = [];
      for (let tries = 0; reads.length === 0 && tries < 50; tries += 1) {
        for await (const execution of client.workflow.list({ query })) reads.push(execution.workflowId);
        if (reads.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(reads).toHaveLength(1);
      const started = (await client.workflow.getHandle(reads[0]!).fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      expect(started?.identity).toMatch(/^deployer-cli@\d+$/);
    } finally {
      await close();
    }
  });

  it('without Temporal: plan runs on the repo alone and says so; history fails saying how to start Temporal', async () => {
    const down = as(emptyHome, { DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    const plan = await runCli(['plan', '--stack', stack, '--service', 'notification-service', '--environment', environment, '--var', 'VERSION=v1.3.0', '--json'], down, repo);
    expect(JSON.parse(plan.stdout).comparedWithDeployed).toBe(false);
    expect(plan.stderr).toMatch(/Warning: could not compare with what is deployed in development: cannot reach Temporal at 127\.0\.0\.1:\d+/);
    expect(plan.stderr).toContain('This plan is of the repo alone: every component shows as CREATE');

    const history = await runCli(['history', '--service', 'notification-service', '--environment', environment], down, repo);
    expect(history.code).toBe(1);
    expect(history.stderr).toMatch(/Error: cannot reach Temporal at 127\.0\.0\.1:\d+ .*Start the local one with `deployer dev start`/);
    const json = await runCli(['history', '--service', 'notification-service', '--environment', environment, '--json'], down, repo);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe('TEMPORAL_UNREACHABLE');

    const httpDown = await runCli(['history', '--service', 'notification-service', '--environment', environment], { ...down, DEPLOYER_TEMPORAL_HTTP_ADDRESS: `127.0.0.1:${await freePort()}` }, repo);
    expect(httpDown.code).toBe(1);
    expect(httpDown.stderr).toMatch(/Error: cannot reach Temporal's HTTP API at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. .*--temporal-http-address/);
  });
});
