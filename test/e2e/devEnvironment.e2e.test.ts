import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/contracts';
import { runCli } from '../support/cli';
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

    const stopped = await runCli(['dev', 'stop'], env);
    expect(stopped.stdout).toContain('Stopped: worker, runtime, temporal');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect((await runCli(['dev', 'status'], env)).stdout).toContain('Start it with: deployer dev start');
  });
});
