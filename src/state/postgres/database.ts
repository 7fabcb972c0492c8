import { Pool, PoolClient } from 'pg';
import { migrate } from './migrations';

/**
 * The team's state database: a connection pool whose schema is migrated before the first use, and
 * transactions that roll back on any error (a worker that dies mid-transaction loses its
 * connection, and PostgreSQL rolls it back the same way).
 */
export class StateDatabase {
  private readonly pool: Pool;
  private migrated?: Promise<void>;

  constructor(readonly url: string) {
    // Connections stay open: clients' reads come minutes apart, and opening one (SCRAM authentication)
    // costs a read ~15 ms more than the query itself. Keepalive notices a peer that went away meanwhile;
    // idle connections do not keep a process alive that has nothing else to do.
    this.pool = new Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 0, keepAlive: true, allowExitOnIdle: true });
    // An idle connection the server dropped (a restart) must not crash the worker; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** The URL without its password, for messages. */
  get described(): string {
    return describeDatabaseUrl(this.url);
  }

  /** Migrates the schema once; a failure is retried by the next caller. */
  ready(): Promise<void> {
    this.migrated ??= this.withClient(async (client) => void (await migrate(client))).catch((error: unknown) => {
      this.migrated = undefined;
      throw new Error(`the state database ${this.described} could not be prepared: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.migrated;
  }

  async query<Row extends object>(sql: string, values: unknown[] = []): Promise<Row[]> {
    await this.ready();
    return (await this.pool.query<Row>(sql, values)).rows;
  }

  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }
}

export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = parsed.password ? '****' : '';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
