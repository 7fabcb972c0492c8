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
