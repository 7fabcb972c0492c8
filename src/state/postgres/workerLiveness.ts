import os from 'node:os';
import type { StateDatabase } from './database';

// A worker beats every BEAT_MS; a machine none of whose workers beat for STALE_AFTER_S runs none.
export const BEAT_MS = 15_000;
const STALE_AFTER_S = 60;

/**
 * Which machines run a worker, as the workers tell the state database. A Pulumi lock names the
 * machine and pid of the engine holding it; on another machine the pid cannot be checked, but a
 * machine with no live worker runs no engine of ours, so its locks are stale.
 */
export class WorkerLiveness {
  constructor(private readonly database: StateDatabase) {}

  async beat(host = os.hostname(), pid = process.pid): Promise<void> {
    await this.database.query('INSERT INTO deployer_workers (host, pid, seen_at) VALUES ($1, $2, now()) ON CONFLICT (host, pid) DO UPDATE SET seen_at = now()', [host, pid]);
    await this.database.query(`DELETE FROM deployer_workers WHERE seen_at < now() - interval '1 day'`);
  }

  async hostRunsWorkers(host: string): Promise<boolean> {
    const rows = await this.database.query('SELECT 1 FROM deployer_workers WHERE host = $1 AND seen_at > now() - make_interval(secs => $2)', [host, STALE_AFTER_S]);
    return rows.length > 0;
  }
}
