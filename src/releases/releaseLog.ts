import type { ReleasedComponent, ReleaseRecord, ReleaseResult } from './releaseRecord';

/**
 * The release log: one durable history per stack/environment/service, newest first. Two backends
 * keep it (files under the state dir, PostgreSQL for a team); both take an append of a record that
 * is already there (an activity retried after its worker died) as done, and prune past the retention.
 */
export interface ReleaseLog {
  append(record: ReleaseRecord): Promise<void>;
  /** Newest first, at most `limit` records (all without one). */
  history(stack: string, environment: string, service: string, limit?: number): Promise<ReleaseRecord[]>;
  /** The newest record with one of these results. */
  latest(stack: string, environment: string, service: string, results: readonly ReleaseResult[]): Promise<ReleaseRecord | undefined>;
  /** Services with a release log in a stack and environment, sorted. */
  services(stack: string, environment: string): Promise<string[]>;
}

/** The components as last successfully deployed (empty for a service never deployed). */
export async function lastReleased(log: ReleaseLog, stack: string, environment: string, service: string): Promise<ReleasedComponent[]> {
  return (await log.latest(stack, environment, service, ['succeeded']))?.components ?? [];
}
