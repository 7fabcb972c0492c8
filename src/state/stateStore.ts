import path from 'node:path';
import { DriftStore, FileDriftDocuments } from '../drift/store';
import { localBackend } from '../pulumi/backend';
import type { PulumiBackend } from '../pulumi/componentStacks';
import { FileReleaseStore } from '../releases/fileReleaseStore';
import type { ReleaseLog } from '../releases/releaseLog';
import { StateDatabase } from './postgres/database';
import { PostgresDriftDocuments } from './postgres/driftDocuments';
import { postgresPulumiBackend } from './postgres/pulumiBackend';
import { PostgresReleaseLog } from './postgres/releaseLog';
import { BEAT_MS, WorkerLiveness } from './postgres/workerLiveness';

/**
 * Everything a worker must remember between deployments: the release log, drift findings and
 * ignores, and the Pulumi state. One machine keeps them in files under its state dir (the default);
 * a team's workers share them in PostgreSQL (DEPLOYER_STATE_URL=postgres://...).
 */
export interface StateStore {
  releases: ReleaseLog;
  drift: DriftStore;
  pulumi: PulumiBackend;
  /** Where the state is, without secrets: for logs and `dev status`. */
  described: string;
  /** Prepares the store (the database's schema), so a worker with an unreachable store fails at start. */
  ready(): Promise<void>;
  /** Tells the other workers, every few seconds, that this machine runs a worker; returns how to stop. */
  announceWorker(): () => void;
  close(): Promise<void>;
}

export const STATE_URL_ENV = 'DEPLOYER_STATE_URL';

/** The store DEPLOYER_STATE_URL names: unset or `file:` for the state dir's files, `postgres://` for PostgreSQL. */
export function openStateStore(stateDir: string, env: NodeJS.ProcessEnv = process.env): StateStore {
  const url = env[STATE_URL_ENV]?.trim();
  if (!url || url === 'file:' || url === `file://${stateDir}`) return fileStateStore(stateDir);
  if (/^postgres(ql)?:\/\//.test(url)) return postgresStateStore(url, stateDir);
  throw new Error(`${STATE_URL_ENV}="${url.replace(/\/\/[^@/]*@/, '//****@')}" is not a state store: use postgres://user:password@host:5432/database, or leave it unset for files under ${stateDir}`);
}

function fileStateStore(stateDir: string): StateStore {
  return {
    releases: new FileReleaseStore(path.join(stateDir, 'releases')),
    drift: new DriftStore(new FileDriftDocuments(path.join(stateDir, 'drift'))),
    pulumi: localBackend(stateDir),
    described: `files under ${stateDir}`,
    ready: async () => undefined,
    announceWorker: () => () => undefined,
    close: async () => undefined,
  };
}

function postgresStateStore(url: string, stateDir: string): StateStore {
  const database = new StateDatabase(url);
  const liveness = new WorkerLiveness(database);
  return {
    releases: new PostgresReleaseLog(database),
    drift: new DriftStore(new PostgresDriftDocuments(database)),
    pulumi: postgresPulumiBackend(database, liveness, stateDir),
    described: database.described,
    ready: () => database.ready(),
    announceWorker: () => {
      // A missed beat (the database restarting) is made up by the next one.
      const beat = () => void liveness.beat().catch(() => undefined);
      beat();
      const timer = setInterval(beat, BEAT_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
    close: () => database.close(),
  };
}
