import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { workerIdentity } from '../../src/devenv/devEnvironment';
import { installRoot } from '../../src/paths';
import { processesReferencing } from './processes';
import { testClient, testNamespace } from './temporal';

// Real worker processes (dist/worker/main.js) for tests that kill them, or that need a worker outside
// jest's sandbox; each runs on a task queue of its own. `npm run build` first.

/**
 * After a test with worker processes: a deployment still running is terminated (so a failed check does
 * not leave the service locked for the next test), the workers and whatever they started are stopped,
 * and their logs are removed, or kept and named when the test failed.
 */
export async function cleanUp(handle: WorkflowHandle | undefined, workers: ChildProcess[], taskQueue: string, logDir: string, passed: boolean): Promise<void> {
  try {
    if (handle && (await handle.describe()).status.name === 'RUNNING') await handle.terminate('test cleanup');
  } catch (error) {
    // It may have ended between the two calls; the workers are stopped either way.
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  } finally {
    for (const worker of workers) await killGroup(worker, 'SIGTERM');
    await killPids(processesReferencing(taskQueue).map((line) => Number(line.split(' ')[0])));
  }
  if (passed) fs.rmSync(logDir, { recursive: true, force: true });
  else process.stderr.write(`worker logs kept in ${logDir}\n`);
}

/**
 * `node dist/worker/main.js` on its own task queue, leader of its own process group; `env` adds to
 * (or, undefined, removes from) this process's environment: another DEPLOYER_HOME, a state store.
 * With `machine`, the worker runs under that host name, in a UTS namespace of its own (its engines
 * too): another machine, as far as host names tell (Pulumi's locks, the workers' liveness).
 */
export function spawnWorker(taskQueue: string, logFile: string, env: NodeJS.ProcessEnv = {}, machine?: string): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  const main = path.join(installRoot, 'dist', 'worker', 'main.js');
  // unshare and sh exec the worker: the child's pid is the worker's. Without root, a user namespace
  // grants the right to name the host.
  const [command, args] = machine
    ? ['unshare', [...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user']), '--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', machine, process.execPath, main]]
    : [process.execPath, [main]];
  try {
    return spawn(command, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: withoutUndefined({ ...process.env, ...env, DEPLOYER_TASK_QUEUE: taskQueue }),
    });
  } finally {
    fs.closeSync(log);
  }
}

/**
 * Resolves once this worker process polls its task queue (within two minutes: it bundles its
 * workflows first). Only its own poll counts: Temporal lists other workers on the queue, and a killed
 * one's poller for minutes.
 */
export async function waitForPoller(taskQueue: string, child: ChildProcess, machine = os.hostname()): Promise<void> {
  const { client, close } = await testClient();
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}`);
      const { pollers } = await client.workflowService.describeTaskQueue({ namespace: testNamespace(), taskQueue: { name: taskQueue } });
      if (pollers.some((poller) => poller.identity === workerIdentity(child.pid!, machine))) return;
      if (Date.now() > deadline) throw new Error(`no worker polled ${taskQueue} within two minutes`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await close();
  }
}

/** Signals a spawned worker's whole process group and waits until every member is gone. */
export async function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const pgid = child.pid!;
  try {
    process.kill(-pgid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (groupMembers(pgid).length) {
    if (Date.now() > deadline) {
      process.kill(-pgid, 'SIGKILL');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILLs processes by pid and waits until they are gone. */
export async function killPids(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const alive = (pid: number) => {
    try {
      return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    } catch {
      return false;
    }
  };
  while (pids.some(alive)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Live (non-zombie) processes of a process group. */
function groupMembers(pgid: number): number[] {
  return fs.readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(group) === pgid && state !== 'Z' ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}


function withoutUndefined(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
