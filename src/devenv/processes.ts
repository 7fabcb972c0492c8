import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { statFields } from '../procStat';

/** A background process the deployer started, tracked by a pid file under the state dir. */
export interface ManagedProcess {
  name: string;
  pidFile: string;
  logFile: string;
}

export function managedProcess(dir: string, name: string): ManagedProcess {
  return { name, pidFile: path.join(dir, `${name}.pid`), logFile: path.join(dir, 'logs', `${name}.log`) };
}

export function runningPid(proc: ManagedProcess): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(proc.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  return pid > 0 && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process stays a zombie until its parent reaps it; it runs nothing any more.
  return statFields(pid)?.[0] !== 'Z';
}

/** Starts `command` detached in its own process group, output appended to its log file. */
export function startDetached(proc: ManagedProcess, command: string, args: string[], env: NodeJS.ProcessEnv): number {
  fs.mkdirSync(path.dirname(proc.logFile), { recursive: true });
  const log = fs.openSync(proc.logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env });
    if (child.pid === undefined) throw new Error(`could not start ${proc.name} (${command})`);
    child.unref();
    fs.writeFileSync(proc.pidFile, String(child.pid));
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

/**
 * Stops the process group a managed process leads: SIGTERM for a clean shutdown, SIGKILL after
 * the grace period. Only what the pid file names is touched; it returns once every process of the
 * group is gone (children such as a database may outlive their parent by a moment).
 */
export async function stopProcess(proc: ManagedProcess, graceMs = 15000): Promise<boolean> {
  const pid = runningPid(proc);
  fs.rmSync(proc.pidFile, { force: true });
  if (pid === undefined) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (groupAlive(pid)) await sleep(50);
  // Give init a moment to reap the leader, so a caller checking the pid finds it gone.
  const reaped = Date.now() + 2000;
  while (isAlive(pid) && Date.now() < reaped) await sleep(50);
  return true;
}

/** Whether any process of the group still runs; zombies (exited, not yet reaped) do not count. */
function groupAlive(pgid: number): boolean {
  if (!fs.existsSync('/proc/self/stat')) return isAlive(pgid);
  return fs.readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(group) === pgid && state !== 'Z';
    } catch {
      return false;
    }
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
