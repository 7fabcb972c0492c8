import type { PoolClient } from 'pg';

/**
 * The state database's schema, one migration per version, applied in order and never edited once
 * released: a change is a new migration. Records are kept as `json` (not `jsonb`) so a record reads
 * back byte for byte as it was written.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'release log, drift state, settings, worker liveness',
    sql: `
      CREATE TABLE deployer_releases (
        id bigserial PRIMARY KEY,
        stack text NOT NULL,
        environment text NOT NULL,
        service text NOT NULL,
        result text NOT NULL,
        has_policy boolean NOT NULL,
        fingerprint text NOT NULL,
        record json NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX deployer_releases_newest ON deployer_releases (stack, environment, service, id DESC);
      CREATE UNIQUE INDEX deployer_releases_once ON deployer_releases (stack, environment, service, fingerprint);
      CREATE TABLE deployer_drift (
        stack text NOT NULL,
        environment text NOT NULL,
        service text NOT NULL,
        state json NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stack, environment, service)
      );
      CREATE TABLE deployer_settings (
        name text PRIMARY KEY,
        value text NOT NULL
      );
      CREATE TABLE deployer_workers (
        host text NOT NULL,
        pid integer NOT NULL,
        seen_at timestamptz NOT NULL,
        PRIMARY KEY (host, pid)
      );
    `,
  },
  {
    version: 2,
    name: 'when each worker started, so a restarted worker does not vouch for its predecessor\'s locks',
    sql: 'ALTER TABLE deployer_workers ADD COLUMN started_at timestamptz',
  },
];

// Any constant works; it only has to be the same for every deployer migrating this database.
const MIGRATION_LOCK = 0x6465706c6f79;

/**
 * Brings the schema up to date in one transaction under an advisory lock: workers starting together
 * migrate one after the other, and one that dies halfway leaves the schema as it was. A database a
 * newer deployer migrated is refused rather than written with an older understanding of it.
 */
export async function migrate(client: PoolClient): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS deployer_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM deployer_schema_migrations')).rows.map((row) => row.version));
    const known = Math.max(...MIGRATIONS.map((migration) => migration.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new Error(`the state database is at schema version ${newest}, newer than this deployer knows (${known}): upgrade this deployer to the version the other workers run`);
    }
    const pending = MIGRATIONS.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO deployer_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    return pending.map((migration) => migration.version);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
