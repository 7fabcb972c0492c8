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
