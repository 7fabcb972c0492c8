// Each engine operation runs in a workspace directory of its own (Pulumi.yaml, stack settings). The
// operation removes it when it ends; a worker killed in the middle cannot, so directories carry the
// pid of the worker that made them and any worker on the state dir removes those of dead ones.
import fs from 'node:fs';
import path from 'node:path';
import { statFields } from '../procStat';

const OWNER = /-pid(\d+)-[^-]+$/;

/** A new workspace directory under `dir` for `name`, marked with this process. */
export function makeWorkspace(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return fs.mkdtempSync(path.join(dir, `${name}-pid${process.pid}-`));
}

/** Removes the workspaces whose worker no longer runs; returns their names. */
export function sweepAbandonedWorkspaces(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const abandoned = entries.filter((entry) => {
    const owner = OWNER.exec(entry)?.[1];
    if (owner === undefined) return false;
    const state = statFields(Number(owner))?.[0];
    return state === undefined || state === 'Z';
  });
  for (const entry of abandoned) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  return abandoned;
}
