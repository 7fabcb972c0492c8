import fs from 'node:fs';
import path from 'node:path';
import type { ComponentStackId } from '../model/componentRef';

// A DIY backend (files, PostgreSQL) names each update's entries after its time in nanoseconds:
// history/<project>/<stack>/<stack>-<ns>.history.json (+ .checkpoint.json, .attrs) and
// backups/<project>/<stack>/<stack>.<ns>.json (+ .attrs).
const UPDATE_TIME = /[.-](\d{16,})\./;

/** The folders of a stack's update history and backups, relative to the backend's root. */
export function historyFolders(id: ComponentStackId): string[] {
  return ['history', 'backups'].map((kind) => `.pulumi/${kind}/${id.project}/${id.stack}/`);
}

/** The stack's current state, relative to the backend's root. */
export function stackStatePath(id: ComponentStackId): string {
  return `.pulumi/stacks/${id.project}/${id.stack}.json`;
}

/**
 * The entries (names in one history or backups folder) of all but the newest `keep` updates: the
 * engine itself keeps every one (about 30 KB per update of a small stack). The stack's current
 * state (`stacks/<project>/<stack>.json`) is never among them.
 */
export function updatesBeyond(names: string[], keep: number): string[] {
  const byUpdate = new Map<string, string[]>();
  for (const name of names) {
    const time = UPDATE_TIME.exec(name)?.[1];
    if (time) byUpdate.set(time, [...(byUpdate.get(time) ?? []), name]);
  }
  // Compared as numbers too long for a double: a longer one is later, else the greater string.
  const newestFirst = [...byUpdate.keys()].sort((a, b) => b.length - a.length || b.localeCompare(a));
  return newestFirst.slice(keep).flatMap((time) => byUpdate.get(time) ?? []);
}

/** Keeps the newest `keep` updates of a stack in a file backend's history and backups. */
export function pruneFileBackendHistory(stateRoot: string, id: ComponentStackId, keep: number): void {
  for (const folder of historyFolders(id)) {
    const dir = path.join(stateRoot, folder);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue; // no update recorded yet
    }
    for (const name of updatesBeyond(names, keep)) fs.rmSync(path.join(dir, name), { force: true });
  }
}
