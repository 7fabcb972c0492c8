import fs from 'node:fs';

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
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}
