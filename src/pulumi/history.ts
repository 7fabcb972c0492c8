import fs from 'node:fs';
import path from 'node:path';
import type { ComponentStackId } from './componentStacks';

// A file backend names each update's files after its time in nanoseconds:
// history/<project>/<stack>/<stack>-<ns>.history.json (+ .checkpoint.json, .attrs) and
// backups/<project>/<stack>/<stack>.<ns>.json (+ .attrs).
const UPDATE_TIME = /[.-](\d{16,})\./;

/**
 * Keeps the newest `keep` updates of a stack in a file backend's history and backups; the engine
 * itself keeps every one (about 30 KB per update of a small stack). The stack's current state
 * (`stacks/<project>/<stack>.json`) is not touched.
 */
export function pruneFileBackendHistory(stateRoot: string, id: ComponentStackId, keep: number): void {
  for (const kind of ['history', 'backups']) pruneUpdates(path.join(stateRoot, '.pulumi', kind, id.project, id.stack), keep);
}

function pruneUpdates(dir: string, keep: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no update recorded yet
  }
  const byUpdate = new Map<string, string[]>();
  for (const name of names) {
    const time = UPDATE_TIME.exec(name)?.[1];
    if (time) byUpdate.set(time, [...(byUpdate.get(time) ?? []), name]);
  }
  // Compared as numbers too long for a double: a longer one is later, else the greater string.
  const newestFirst = [...byUpdate.keys()].sort((a, b) => b.length - a.length || b.localeCompare(a));
  for (const time of newestFirst.slice(keep)) {
    for (const name of byUpdate.get(time) ?? []) fs.rmSync(path.join(dir, name), { force: true });
  }
}
