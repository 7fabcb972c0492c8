import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { installRoot } from '../../src/paths';

/**
 * A real PostgreSQL server for one test file: the dev environment's own state database process
 * (`dist/src/devenv/stateDatabaseMain.js`, so `npm run build` first) in a scratch DEPLOYER_HOME.
 */
export interface TestPostgres {
  /** A new, empty database's URL. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-test-postgres-'));
  // As root PostgreSQL runs as the `postgres` user, which must reach the data directory.
  fs.chmodSync(home, 0o755);
  fs.mkdirSync(path.join(home, 'dev'));
  const urlFile = path.join(home, 'dev', 'state-db.url');
  const server: ChildProcess = spawn(process.execPath, [path.join(installRoot, 'dist', 'src', 'devenv', 'stateDatabaseMain.js')], {
    env: { ...process.env, DEPLOYER_HOME: home },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(urlFile)) {
    if (server.exitCode !== null) throw new Error(`the test PostgreSQL exited with ${server.exitCode}`);
    if (Date.now() > deadline) throw new Error('the test PostgreSQL did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const base = fs.readFileSync(urlFile, 'utf8');
  return {
    async database(name) {
      const client = new Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      const url = new URL(base);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
