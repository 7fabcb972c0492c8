import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { workerIdentity } from '../../src/devenv/devEnvironment';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/contracts';
import { deployerTaskQueue } from '../../src/temporal/taskQueue';
import { runCli } from '../support/cli';
import { hasExited } from '../support/processes';
import { freePort } from '../../src/tcpPorts';

// `deployer dev start | status | stop` end to end, in its own state dir and ports.
describe('deployer dev', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-dev-e2e-'));
    env = { DEPLOYER_HOME: home };
  });

  afterAll(async () => {
    await runCli(['dev', 'stop'], env);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('starts the server, the local runtime and the worker, reports them, starts twice harmlessly, and stops exactly them', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const started = await runCli(['dev', 'start', '--port', String(port), '--ui-port', String(uiPort)], env);
    expect(started.stderr).toContain('Starting the Temporal dev server');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`UI http://127.0.0.1:${uiPort}`);

    const status = JSON.parse((await runCli(['dev', 'status', '--json'], env)).stdout);
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

/** Until the process has exited (signals are delivered asynchronously). */
async function waitForExit(pid: number): Promise<void> {
  for (let tries = 0; tries < 100 && !hasExited(pid); tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!hasExited(pid)) throw new Error(`process ${pid} did not exit`);
}
