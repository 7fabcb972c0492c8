import fs from 'node:fs';
import path from 'node:path';
import { installRoot, stateDir } from '../paths';
import { devDir } from './endpoints';
import { managedProcess, ManagedProcess, runningPid, sleep, startDetached, stopProcess } from './processes';

/** Where the dev environment keeps its state: files (the default) or a local PostgreSQL (team mode on one machine). */
export type DevStateMode = 'file' | 'postgres';

const READY_TIMEOUT_MS = 90_000;

export function stateDatabaseProcess(): ManagedProcess {
  return managedProcess(devDir(), 'state-db');
}

/** The server's data, port and admin password: kept across restarts, so is the state in it. */
export function stateDatabaseDir(): string {
  return path.join(stateDir(), 'state-postgres');
}

/** The URL the running server writes once it accepts connections (owner-only: it holds a password). */
export function stateDatabaseUrlFile(): string {
  return path.join(devDir(), 'state-db.url');
}

function modeFile(): string {
  return path.join(devDir(), 'state-mode');
}

/**
 * The state mode of this DEPLOYER_HOME: the one asked for, else the one it was started with before,
 * else files. Switching an existing home is refused: the state in one store is invisible to the other.
 */
export function resolveStateMode(requested: DevStateMode | undefined): DevStateMode {
  let remembered: DevStateMode | undefined;
  try {
    remembered = fs.readFileSync(modeFile(), 'utf8').trim() as DevStateMode;
  } catch {
    remembered = undefined;
  }
  if (requested && remembered && requested !== remembered) {
    throw new Error(
      `${stateDir()} keeps its state in ${remembered === 'postgres' ? 'a local PostgreSQL' : 'files'}; starting it with --state ${requested} would show none of it. ` +
        `Start without --state (or with --state ${remembered}), or use another DEPLOYER_HOME for ${requested}.`,
    );
  }
  const mode = requested ?? remembered ?? 'file';
  fs.mkdirSync(devDir(), { recursive: true });
  fs.writeFileSync(modeFile(), mode);
  return mode;
}

/** The mode recorded for this home, without changing it (for `dev status`). */
export function recordedStateMode(): DevStateMode {
  try {
    return fs.readFileSync(modeFile(), 'utf8').trim() === 'postgres' ? 'postgres' : 'file';
  } catch {
    return 'file';
  }
}

/** Starts the local state database in the background unless it runs; resolves with its URL once it serves. */
export async function startStateDatabase(): Promise<string> {
  const proc = stateDatabaseProcess();
  if (runningPid(proc) === undefined) {
    fs.rmSync(stateDatabaseUrlFile(), { force: true });
    startDetached(proc, process.execPath, [path.join(installRoot, 'dist', 'src', 'devenv', 'stateDatabaseMain.js')], { ...process.env, DEPLOYER_HOME: stateDir() });
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (runningPid(proc) === undefined) throw new Error(`the state database exited during start; see ${proc.logFile}`);
    const url = stateDatabaseUrl();
    if (url) return url;
    await sleep(100);
  }
  throw new Error(`the state database did not start within ${READY_TIMEOUT_MS / 1000}s; see ${proc.logFile}`);
}

export function stateDatabaseUrl(): string | undefined {
  try {
    return fs.readFileSync(stateDatabaseUrlFile(), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function stopStateDatabase(): Promise<boolean> {
  return stopProcess(stateDatabaseProcess(), 30_000);
}
