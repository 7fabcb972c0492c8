// The runtime's children, written down as they start, so that a runtime killed without a chance to
// stop them (SIGKILL, the OOM killer) leaves nothing the next start does not end. Node cannot ask
// the kernel to kill children with their parent (PR_SET_PDEATHSIG), so the next runtime does it.
import fs from 'node:fs';
import path from 'node:path';
import { statFields } from '../../../procStat';
import { sleep } from '../../../devenv/processes';

/** A process as this boot knows it: a pid alone may have been reused by something else since. */
export interface ProcessIdentity {
  pid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat). */
  startTime: string;
}

interface LedgerEntry {
  child: ProcessIdentity;
  name: string;
  /** The signal that shuts it down cleanly (PostgreSQL: SIGINT, a fast shutdown that keeps data). */
  stopSignal: NodeJS.Signals;
  /** The runtime that started it: while that one still runs, its children are not leftovers. */
  owner: ProcessIdentity;
}

export class ChildLedger {
  private readonly owner = identityOf(process.pid);

  constructor(
    private readonly dir: string,
    /** How long leftovers get to shut down cleanly before they are killed (as long as a stop gives them). */
    private readonly stopGraceMs = 10000,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Records a child just started; without /proc (no start times to tell it from a reused pid) nothing is recorded. */
  record(pid: number | undefined, name: string, stopSignal: NodeJS.Signals = 'SIGTERM'): void {
    const child = pid === undefined ? undefined : identityOf(pid);
    if (!child || !this.owner) return;
    const entry: LedgerEntry = { child, name, stopSignal, owner: this.owner };
    fs.writeFileSync(this.entryFile(child.pid), JSON.stringify(entry));
  }

  /** The child has exited (or was stopped): nothing to reap. */
  forget(pid: number | undefined): void {
    if (pid !== undefined) fs.rmSync(this.entryFile(pid), { force: true });
  }

  /**
   * Ends what an earlier runtime of this state dir left running, with its descendants (PostgreSQL's
   * backends), and returns what it ended. Only processes that are still the recorded ones (same
   * start time) are touched. Refuses while that runtime itself still runs: its children are not
   * leftovers, and two runtimes on one state dir would fight over the same ports and data.
   */
  async reapLeftovers(): Promise<string[]> {
    const entries = this.entries();
    const owner = entries.map((entry) => entry.owner).find((candidate) => candidate.pid !== process.pid && isRunning(candidate));
    if (owner) throw new Error(`another local runtime (pid ${owner.pid}) runs with this state dir (${path.dirname(this.dir)}); stop it first (deployer dev stop)`);
    const leftovers = entries.filter((entry) => isRunning(entry.child));
    const tree = processTree();
    const doomed = leftovers.flatMap((entry) => [entry.child, ...descendantsOf(entry.child.pid, tree)]);
    leftovers.forEach((entry) => signal(entry.child, entry.stopSignal));
    const deadline = Date.now() + this.stopGraceMs;
    while (doomed.some(isRunning) && Date.now() < deadline) await sleep(100);
    doomed.filter(isRunning).forEach((survivor) => signal(survivor, 'SIGKILL'));
    const killedBy = Date.now() + this.stopGraceMs;
    while (doomed.some(isRunning) && Date.now() < killedBy) await sleep(50);
    entries.forEach((entry) => this.forget(entry.child.pid));
    return leftovers.map((entry) => `${entry.name} (pid ${entry.child.pid})`);
  }

  private entries(): LedgerEntry[] {
    return fs.readdirSync(this.dir).flatMap((file) => {
      try {
        return [JSON.parse(fs.readFileSync(path.join(this.dir, file), 'utf8')) as LedgerEntry];
      } catch {
        // A file cut short by the kill itself names nothing we could check.
        fs.rmSync(path.join(this.dir, file), { force: true });
        return [];
      }
    });
  }

  private entryFile(pid: number): string {
    return path.join(this.dir, `${pid}.json`);
  }
}

/** The process's identity, or undefined when it is gone (or exited and awaits reaping) or /proc is unavailable. */
export function identityOf(pid: number): ProcessIdentity | undefined {
  const fields = statFields(pid);
  return fields && fields[0] !== 'Z' ? { pid, startTime: fields[19]! } : undefined;
}

/** Whether the process still runs, and is still that process (not a later one given the same pid). */
export function isRunning(target: ProcessIdentity): boolean {
  return identityOf(target.pid)?.startTime === target.startTime;
}

/** Children by parent pid, for every process of the machine. */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  return children;
}

function descendantsOf(pid: number, tree: Map<number, number[]>): ProcessIdentity[] {
  return (tree.get(pid) ?? []).flatMap((child) => {
    const identity = identityOf(child);
    return identity ? [identity, ...descendantsOf(child, tree)] : [];
  });
}

function signal(target: ProcessIdentity, name: NodeJS.Signals): void {
  // Checked again just before: the pid must still be the recorded process.
  if (!isRunning(target)) return;
  try {
    process.kill(target.pid, name);
  } catch {
    // Gone in between.
  }
}
