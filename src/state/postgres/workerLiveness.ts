import os from 'node:os';
import type { StateDatabase } from './database';

// A worker beats every BEAT_MS; one that has not beaten for STALE_AFTER_S runs no more. The window
// is shorter than an engine activity's heartbeat timeout (30 s), so the attempt Temporal retries
// after a worker died finds it stale, and clears its lock at once.
export const BEAT_MS = 5_000;
const STALE_AFTER_S = 20;
// A Pulumi lock names the second it was taken in; a worker started within it may have taken it.
const LOCK_TIME_PRECISION_S = 1;

/** When this process started, by this machine's clock (the clock Pulumi's locks on this machine are stamped with). */
export function processStartedAt(): Date {
  return new Date(Date.now() - process.uptime() * 1000);
}

/**
 * Which machines run a worker, as the workers tell the state database. A Pulumi lock names the
 * machine and pid of the engine holding it; on another machine the pid cannot be checked, but an
 * engine of ours runs inside a worker that was running when the engine took its lock: a machine with
 * no live worker started before then (none at all, or only a worker restarted since, which keeps
 * the host name of a container) runs no engine that holds it, so the lock is stale.
 */
export class WorkerLiveness {
  constructor(private readonly database: StateDatabase) {}

  async beat(host = os.hostname(), pid = process.pid, startedAt = processStartedAt()): Promise<void> {
    // A worker restarted in a new container may be given its predecessor's pid: its row is taken over.
    await this.database.query(
      'INSERT INTO deployer_workers (host, pid, seen_at, started_at) VALUES ($1, $2, now(), $3) ON CONFLICT (host, pid) DO UPDATE SET seen_at = now(), started_at = EXCLUDED.started_at',
      [host, pid, startedAt],
    );
    await this.database.query(`DELETE FROM deployer_workers WHERE seen_at < now() - interval '1 day'`);
  }

  /**
   * Whether `host` runs a live worker, one started before `lockedAt` when given (a worker of an
   * older deployer, which records no start, counts as one).
   */
  async hostRunsWorkers(host: string, lockedAt?: Date): Promise<boolean> {
    const rows = await this.database.query(
      `SELECT 1 FROM deployer_workers WHERE host = $1 AND seen_at > now() - make_interval(secs => $2)
         AND ($3::timestamptz IS NULL OR started_at IS NULL OR started_at < $3::timestamptz + make_interval(secs => $4))`,
      [host, STALE_AFTER_S, lockedAt ?? null, LOCK_TIME_PRECISION_S],
    );
    return rows.length > 0;
  }
}
