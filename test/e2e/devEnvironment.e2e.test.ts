import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { workerIdentity } from '../../src/devenv/devEnvironment';
import { installRoot } from '../../src/paths';
import type { ReleaseRecord } from '../../src/releases/releaseRecord';
import { openStateStore } from '../../src/state/stateStore';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/contracts';
import { deployerTaskQueue } from '../../src/temporal/taskQueue';
import { runCli } from '../support/cli';
import { get } from '../support/load';
import { hasExited } from '../support/processes';
import { HTTP_PORT_OFFSET } from '../../src/devenv/endpoints';
import { freePort, freePortWithFreeNeighbour } from '../../src/tcpPorts';

// `deployer dev start | status | stop` end to end, in its own state dir and ports.
describe('deployer dev', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-dev-e2e-'));
    // Its own dev server, with deployer's own namespace, not the test run's.
    env = { DEPLOYER_HOME: home, DEPLOYER_TEMPORAL_NAMESPACE: undefined };
  });

  afterAll(async () => {
    await runCli(['dev', 'stop'], env);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('starts the server, the local runtime and the worker, reports them, starts twice harmlessly, and stops exactly them', async () => {
    // Temporal's gRPC port, its HTTP API 10 above: both below the ephemeral range (see tcpPorts.ts).
    const port = await freePortWithFreeNeighbour(HTTP_PORT_OFFSET);
    const uiPort = await freePort();
    const started = await runCli(['dev', 'start', '--port', String(port), '--ui-port', String(uiPort)], env);
    expect(started.stderr).toContain('Starting the Temporal dev server');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`UI http://127.0.0.1:${uiPort}`);

    const status = JSON.parse((await runCli(['dev', 'status', '--json'], env)).stdout);
    // Temporal's HTTP API, which the CLI's release reads use: on the gRPC port + 10 when that was free, else another.
    const httpAddress = status.endpoints.temporalHttpAddress as string;
    expect(started.stdout).toContain(`gRPC 127.0.0.1:${port}, HTTP ${httpAddress}, UI`);
    const namespace = await get(`http://${httpAddress}/api/v1/namespaces/default`);
    expect(JSON.parse(namespace.body).namespaceInfo.name).toBe('default');
    expect(status.components.map((c: { name: string; running: boolean }) => [c.name, c.running])).toEqual([
      ['temporal', true],
      ['runtime', true],
      ['worker', true],
    ]);
    const pids = status.components.map((c: { pid: number }) => c.pid);

    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(customAttributes).toHaveProperty(name);
    } finally {
      await connection.close();
    }

    // Its SQLite database in write-ahead-log mode (file format bytes 18 and 19 are 2): a commit
    // appends to the log instead of rewriting pages through a rollback journal, synced at checkpoints.
    const header = fs.readFileSync(path.join(home, 'dev', 'temporal.sqlite')).subarray(18, 20);
    expect([...header]).toEqual([2, 2]);

    const again = await runCli(['dev', 'start', '--port', String(port), '--ui-port', String(uiPort)], env);
    expect(again.code).toBe(0);
    const statusAgain = JSON.parse((await runCli(['dev', 'status', '--json'], env)).stdout);
    expect(statusAgain.components.map((c: { pid: number }) => c.pid)).toEqual(pids);

    // A worker SIGKILLed: Temporal still lists its poller for minutes. dev start brings a new worker and
    // reports it ready only once that new process itself polls.
    const [, , workerPid] = pids as number[];
    process.kill(workerPid!, 'SIGKILL');
    await waitForExit(workerPid!);
    const restarted = await runCli(['dev', 'start', '--port', String(port), '--ui-port', String(uiPort)], env);
    expect(restarted.code).toBe(0);
    const newWorker = JSON.parse((await runCli(['dev', 'status', '--json'], env)).stdout).components[2].pid as number;
    expect(newWorker).not.toBe(workerPid);
    const polling = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      const { pollers } = await polling.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: deployerTaskQueue() } });
      expect(pollers.map((poller) => poller.identity)).toContain(workerIdentity(newWorker));
    } finally {
      await polling.close();
    }
    pids[2] = newWorker;

    const stopped = await runCli(['dev', 'stop'], env);
    expect(stopped.stdout).toContain('Stopped: worker, runtime, temporal');
    for (const pid of pids) expect(hasExited(pid)).toBe(true);
    expect((await runCli(['dev', 'status'], env)).stdout).toContain('Start it with: deployer dev start');
  });
});

describe('deployer dev start --state postgres', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const repo = path.join(installRoot, 'examples', 'deployment-repo');

  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-dev-postgres-'));
    // As root PostgreSQL runs as the `postgres` user, which must reach its directory.
    fs.chmodSync(home, 0o755);
    // Its own dev server, with deployer's own namespace, not the test run's.
    env = { DEPLOYER_HOME: home, DEPLOYER_TEMPORAL_NAMESPACE: undefined };
  });

  afterAll(async () => {
    await runCli(['dev', 'stop'], env);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs a state database the worker keeps its state in, remembered for the home across restarts', async () => {
    const [port, uiPort] = [await freePortWithFreeNeighbour(HTTP_PORT_OFFSET), await freePort()];
    const start = ['dev', 'start', '--port', String(port), '--ui-port', String(uiPort)];
    const started = await runCli([...start, '--state', 'postgres'], env);
    expect(started).toMatchObject({ code: 0 });
    const status = JSON.parse((await runCli(['dev', 'status', '--json'], env)).stdout);
    expect(status.components.map((c: { name: string; running: boolean }) => [c.name, c.running])).toEqual([
      ['temporal', true],
      ['runtime', true],
      ['state', true],
      ['worker', true],
    ]);
    expect(status.stateStore).toMatch(/^the state database \(PostgreSQL/);
    // The worker says where its state is, without the password.
    expect(fs.readFileSync(path.join(home, 'dev', 'logs', 'worker.log'), 'utf8')).toMatch(/state in postgres:\/\/postgres:\*{4}@127\.0\.0\.1:\d+\/deployer/);

    // A release in the database is what a client sees through the worker; the home holds no release files.
    const store = openStateStore(home, { DEPLOYER_STATE_URL: fs.readFileSync(path.join(home, 'dev', 'state-db.url'), 'utf8') });
    try {
      await store.releases.append(releaseOf('v7.7.7'));
    } finally {
      await store.close();
    }
    const history = ['history', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'development', '--json'];
    // A second machine's empty home (inside this file's, so removed with it also when a step fails).
    const clientEnv = { DEPLOYER_HOME: fs.mkdtempSync(path.join(home, 'client-')), DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DEPLOYER_TEMPORAL_NAMESPACE: undefined };
    expect(JSON.parse((await runCli(history, clientEnv, repo)).stdout).releases.map((release: { version: string }) => release.version)).toEqual(['v7.7.7']);
    expect(fs.existsSync(path.join(home, 'releases'))).toBe(false);

    const stopped = await runCli(['dev', 'stop'], env);
    expect(stopped.stdout).toContain('Stopped: worker, state database, runtime, temporal');
    for (const pid of status.components.map((c: { pid: number }) => c.pid)) expect(hasExited(pid)).toBe(true);

    // Started again without the flag: the same database, the same history. Files are refused for this home.
    const refused = await runCli([...start, '--state', 'file'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/keeps its state in a local\s+PostgreSQL/);
    // Its stderr on a failure says why it did not start.
    expect(await runCli(start, env)).toMatchObject({ code: 0 });
    expect(JSON.parse((await runCli(history, clientEnv, repo)).stdout).releases.map((release: { version: string }) => release.version)).toEqual(['v7.7.7']);
  });
});

function releaseOf(version: string): ReleaseRecord {
  const at = new Date().toISOString();
  return {
    stack: 'user-platform',
    environment: 'development',
    service: 'notification-service',
    version,
    deployedBy: 'alice@company.com',
    startedAt: at,
    finishedAt: at,
    result: 'succeeded',
    components: [],
    serviceSpec: {} as ReleaseRecord['serviceSpec'],
    environmentSpec: {} as ReleaseRecord['environmentSpec'],
    groups: {},
  };
}

/** Until the process has exited (signals are delivered asynchronously). */
async function waitForExit(pid: number): Promise<void> {
  for (let tries = 0; tries < 100 && !hasExited(pid); tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!hasExited(pid)) throw new Error(`process ${pid} did not exit`);
}
