import fs from 'node:fs';
import { statFields } from '../../src/procStat';

/**
 * Processes (other than this one) whose command line or environment mentions `text`, e.g. a test's
 * state dir: what a test started and failed to stop. Linux /proc; root may read every environment.
 */
export function processesReferencing(text: string): string[] {
  return fs.readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) return [];
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return [];
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      return cmdline.includes(text) || environ.includes(text) ? [`${entry} ${cmdline}`] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Processes listening on TCP `port` (IPv4 or IPv6), from /proc/net and each process's descriptors.
 * A port a test freed may be taken at once by a process of another test file running beside it, so
 * a test compares these with the listeners it saw before rather than asking whether the port accepts.
 */
export function listenersOn(port: number): SeenProcess[] {
  const sockets = new Set(
    ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
      fs.readFileSync(table, 'utf8').split('\n').slice(1).flatMap((line) => {
        const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
        const listening = state === '0A' && local !== undefined && parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port;
        return listening && inode ? [`socket:[${inode}]`] : [];
      }),
    ),
  );
  if (sockets.size === 0) return [];
  return fs.readdirSync('/proc').flatMap((entry) => {
    const fields = /^\d+$/.test(entry) ? statFields(Number(entry)) : undefined;
    if (fields === undefined || fields[0] === 'Z' || !descriptorsOf(Number(entry)).some((target) => sockets.has(target))) return [];
    return [{ pid: Number(entry), startTime: fields[19]!, command: commandOf(Number(entry)) }];
  });
}

function descriptorsOf(pid: number): string[] {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [fs.readlinkSync(`/proc/${pid}/fd/${fd}`)];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** Whether a process runs nothing any more: gone, or a zombie its parent has not reaped yet. */
export function hasExited(pid: number): boolean {
  const fields = statFields(pid);
  return fields === undefined || fields[0] === 'Z';
}

/** A process as /proc shows it now; the start time tells it from a later process given the same pid. */
export interface SeenProcess {
  pid: number;
  startTime: string;
  command: string;
}

/** Every descendant of `pid` (children, their children, ...), read from /proc. */
export function descendantsOf(pid: number): SeenProcess[] {
  const all = fs.readdirSync('/proc').flatMap((entry) => {
    const fields = /^\d+$/.test(entry) ? statFields(Number(entry)) : undefined;
    return fields && fields[0] !== 'Z' ? [{ pid: Number(entry), parent: Number(fields[1]), startTime: fields[19]! }] : [];
  });
  const below = (parent: number): SeenProcess[] =>
    all.filter((candidate) => candidate.parent === parent).flatMap((child) => [{ pid: child.pid, startTime: child.startTime, command: commandOf(child.pid) }, ...below(child.pid)]);
  return below(pid);
}

/** Those of `seen` that still run (same pid and start time, not a zombie). */
export function stillRunning(seen: SeenProcess[]): SeenProcess[] {
  return seen.filter((process) => {
    const fields = statFields(process.pid);
    return fields !== undefined && fields[0] !== 'Z' && fields[19] === process.startTime;
  });
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}
