import { createHash } from 'node:crypto';
import type { ReleaseLog } from '../../releases/releaseLog';
import type { ReleaseRecord, ReleaseResult } from '../../releases/releaseRecord';
import { releasesToKeep, retainedReleases } from '../../releases/retention';
import type { StateDatabase } from './database';

/**
 * The release log in PostgreSQL, shared by every worker. An append and the pruning after it run in
 * one transaction under the service's advisory lock, so two workers never prune each other's
 * record away; the same record appended twice (an activity retried) is stored once.
 */
export class PostgresReleaseLog implements ReleaseLog {
  constructor(
    private readonly database: StateDatabase,
    private readonly keep: number = releasesToKeep(),
  ) {}

  async append(record: ReleaseRecord): Promise<void> {
    const text = JSON.stringify(record);
    const key = [record.stack, record.environment, record.service];
    await this.database.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key.join('/')]);
      await client.query(
        `INSERT INTO deployer_releases (stack, environment, service, result, has_policy, fingerprint, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [...key, record.result, record.policy !== undefined, createHash('sha256').update(text).digest('hex'), text],
      );
      const rows = (await client.query<{ id: string; result: ReleaseResult; has_policy: boolean }>(
        'SELECT id, result, has_policy FROM deployer_releases WHERE stack = $1 AND environment = $2 AND service = $3 ORDER BY id DESC',
        key,
      )).rows;
      if (rows.length <= this.keep) return;
      const kept = new Set(retainedReleases(rows.map((row) => ({ ...row, policy: row.has_policy || undefined })), this.keep).map((row) => row.id));
      const pruned = rows.filter((row) => !kept.has(row.id)).map((row) => row.id);
      if (pruned.length) await client.query('DELETE FROM deployer_releases WHERE id = ANY($1::bigint[])', [pruned]);
    });
  }

  async history(stack: string, environment: string, service: string, limit?: number): Promise<ReleaseRecord[]> {
    const rows = await this.database.query<{ record: ReleaseRecord }>(
      'SELECT record FROM deployer_releases WHERE stack = $1 AND environment = $2 AND service = $3 ORDER BY id DESC LIMIT $4',
      [stack, environment, service, limit ?? null],
    );
    return rows.map((row) => row.record);
  }

  async latest(stack: string, environment: string, service: string, results: readonly ReleaseResult[]): Promise<ReleaseRecord | undefined> {
    const rows = await this.database.query<{ record: ReleaseRecord }>(
      'SELECT record FROM deployer_releases WHERE stack = $1 AND environment = $2 AND service = $3 AND result = ANY($4::text[]) ORDER BY id DESC LIMIT 1',
      [stack, environment, service, results],
    );
    return rows[0]?.record;
  }

  async services(stack: string, environment: string): Promise<string[]> {
    const rows = await this.database.query<{ service: string }>('SELECT DISTINCT service FROM deployer_releases WHERE stack = $1 AND environment = $2 ORDER BY service', [stack, environment]);
    return rows.map((row) => row.service);
  }
}
