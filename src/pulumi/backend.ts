import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OWNER_ONLY_FILE, ownerOnlyDir } from '../ownerOnly';
import type { PulumiBackend } from './componentStacks';
import { pruneFileBackendHistory, stackStatePath } from './history';

/**
 * The default backend: Pulumi's file backend under the state dir. Stack secrets are encrypted with
 * DEPLOYER_PULUMI_PASSPHRASE, or with a random passphrase generated once and kept beside the state
 * (owner-only), so a newcomer never has to invent one.
 */
export function localBackend(stateDir: string): PulumiBackend {
  // Checkpoints hold outputs such as the RDS password (Pulumi encrypts only what it calls secret).
  const pulumiDir = ownerOnlyDir(path.join(stateDir, 'pulumi'));
  const stateRoot = path.join(pulumiDir, 'state');
  const home = path.join(pulumiDir, 'home');
  fs.mkdirSync(stateRoot, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  const url = `file://${stateRoot}`;
  return {
    url,
    home,
    workspaces: path.join(pulumiDir, 'workspaces'),
    passphrase: async () => process.env.DEPLOYER_PULUMI_PASSPHRASE ?? storedPassphrase(stateDir),
    stackState: async (id) => readIfExists(path.join(stateRoot, stackStatePath(id))),
    pruneHistory: async (id, keep) => pruneFileBackendHistory(fileURLToPath(url), id, keep),
    // A file backend is one machine's: a lock from another could only come through a shared
    // filesystem, and whether its engine runs cannot be known, so it is waited for.
    hostRunsWorkers: async () => true,
  };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function storedPassphrase(stateDir: string): string {
  const file = path.join(stateDir, 'pulumi', 'passphrase');
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    const passphrase = crypto.randomBytes(32).toString('base64url');
    // `wx`: when two workers race here, exactly one write wins and both read the winner.
    try {
      fs.writeFileSync(file, passphrase, { mode: OWNER_ONLY_FILE, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return fs.readFileSync(file, 'utf8');
  }
}
