import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildLedger, identityOf, isRunning } from '../../src/targets/local/runtime/childLedger';

// The ledger a killed runtime's successor reads: this test plays both runtimes in one process (the
// ledger never counts its own process as another runtime still running).
describe('the runtime\'s child ledger', () => {
  let dir: string;
  const started: ChildProcess[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-ledger-'));
  });

  afterEach(() => {
    // Each shell leads its own process group: killing the group ends the `sleep` it started too.
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    started.length = 0;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(script: string): ChildProcess {
    const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
    started.push(child);
    return child;
  }

  async function grandchildOf(pid: number): Promise<number> {
    for (;;) {
      const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      if (children) return Number(children.split(' ')[0]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('stops a recorded child with its own stop signal, and kills the descendants it leaves behind', async () => {
    // A server that shuts down cleanly on SIGINT (as PostgreSQL does) but leaves a worker behind.
    const child = start("trap 'exit 0' INT; sleep 300 & wait");
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const grandchild = identityOf(await grandchildOf(child.pid!))!;
    new ChildLedger(dir).record(child.pid, 'test server', 'SIGINT');
    const reaped = await new ChildLedger(dir, 500).reapLeftovers();
    expect(reaped).toEqual([`test server (pid ${child.pid})`]);
    expect(await exited).toBe(0);
    expect(isRunning(grandchild)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('leaves alone a process that only has a recorded pid (started later, after pid reuse)', async () => {
    const child = start('sleep 300');
    const identity = identityOf(child.pid!)!;
    fs.writeFileSync(path.join(dir, `${child.pid}.json`), JSON.stringify({ child: { ...identity, startTime: '1' }, name: 'old', stopSignal: 'SIGTERM', owner: identityOf(process.pid) }));
    expect(await new ChildLedger(dir).reapLeftovers()).toEqual([]);
    expect(isRunning(identity)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses while the runtime that recorded the children still runs', async () => {
    const otherRuntime = start('sleep 300');
    const child = start('sleep 300');
    fs.writeFileSync(path.join(dir, `${child.pid}.json`), JSON.stringify({ child: identityOf(child.pid!), name: 'redis', stopSignal: 'SIGTERM', owner: identityOf(otherRuntime.pid!) }));
    await expect(new ChildLedger(dir).reapLeftovers()).rejects.toThrow(`another local runtime (pid ${otherRuntime.pid}) runs with this state dir`);
    expect(isRunning(identityOf(child.pid!)!)).toBe(true);
  });

  it('forgets a child that exited', () => {
    const ledger = new ChildLedger(dir);
    ledger.record(process.pid, 'itself');
    ledger.forget(process.pid);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
