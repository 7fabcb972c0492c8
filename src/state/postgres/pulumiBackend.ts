import fs from 'node:fs';
import path from 'node:path';
import type { ComponentStackId } from '../../model/componentRef';
import type { PulumiBackend } from '../../pulumi/componentStacks';
import { historyFolders, stackStatePath, updatesBeyond } from '../../pulumi/history';
import { ownerOnlyDir } from '../../ownerOnly';
import type { StateDatabase } from './database';
import { sharedPulumiPassphrase } from './settings';
import type { WorkerLiveness } from './workerLiveness';

/**
 * Pulumi state in the team's database through Pulumi's own PostgreSQL DIY backend (the engine
 * keeps it in a `pulumi_state` table of key-value entries, locks included). Only the plugin cache
 * and each operation's workspace stay on the worker's disk.
 */
export function postgresPulumiBackend(database: StateDatabase, liveness: WorkerLiveness, stateDir: string): PulumiBackend {
  const pulumiDir = ownerOnlyDir(path.join(stateDir, 'pulumi'));
  const home = path.join(pulumiDir, 'home');
  fs.mkdirSync(home, { recursive: true });
  let passphrase: Promise<string> | undefined;
  return {
    url: database.url,
    home,
    workspaces: path.join(pulumiDir, 'workspaces'),
    passphrase: () => (passphrase ??= sharedPulumiPassphrase(database)),
    stackState: (id) => readStackState(database, id),
    pruneHistory: (id, keep) => pruneEntries(database, id, keep),
    hostRunsWorkers: (host, lockedAt) => liveness.hostRunsWorkers(host, lockedAt),
  };
}

const UNDEFINED_TABLE = '42P01';

/** The stack's state entry (`<db>/.pulumi/stacks/...`): a JSON column holding the engine's bytes, base64-encoded. */
async function readStackState(database: StateDatabase, id: ComponentStackId): Promise<string | undefined> {
  const suffix = `/${stackStatePath(id)}`;
  let rows: { data: { data: string } }[];
  try {
    rows = await database.query<{ data: { data: string } }>('SELECT data FROM pulumi_state WHERE right(key, length($1)) = $1', [suffix]);
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return undefined;
    throw error;
  }
  const data = rows[0]?.data.data;
  return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
}

async function pruneEntries(database: StateDatabase, id: ComponentStackId, keep: number): Promise<void> {
  for (const folder of historyFolders(id)) {
    // Keys start with the database's name: `<db>/.pulumi/history/<project>/<stack>/<entry>`.
    const marker = `/${folder}`;
    let keys: string[];
    try {
      keys = (await database.query<{ key: string }>('SELECT key FROM pulumi_state WHERE strpos(key, $1) > 0', [marker])).map((row) => row.key);
    } catch (error) {
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return; // the engine never ran here yet
      throw error;
    }
    const entries = new Map(keys.map((key) => [key.slice(key.indexOf(marker) + marker.length), key]));
    const beyond = updatesBeyond([...entries.keys()], keep).map((entry) => entries.get(entry)!);
    if (beyond.length) await database.query('DELETE FROM pulumi_state WHERE key = ANY($1::text[])', [beyond]);
  }
}
