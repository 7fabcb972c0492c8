import type { ReleaseRecord } from './releaseRecord';

const DEFAULT_RELEASES_TO_KEEP = 100;

/** DEPLOYER_KEEP_RELEASES: release records kept per service (and Pulumi updates per component stack); default 100. */
export function releasesToKeep(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DEPLOYER_KEEP_RELEASES;
  if (raw === undefined || raw === '') return DEFAULT_RELEASES_TO_KEEP;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`DEPLOYER_KEEP_RELEASES must be a whole number, 1 or more, not "${raw}"`);
  return value;
}

/**
 * The records of a service's release log (newest first) that survive pruning: the newest `keep`,
 * and whatever else the deployer still reads however old it is: the current release and everything
 * since the last good one (its `touched` components are re-applied), the last good release and the
 * good one before it (what a rollback returns to), and the newest record carrying the approval
 * policy (a rollback without a checkout runs under it).
 */
export function retainedReleases<T extends Pick<ReleaseRecord, 'result'> & { policy?: unknown }>(newestFirst: T[], keep: number): T[] {
  const good = newestFirst.flatMap((record, index) => (record.result === 'succeeded' ? [index] : []));
  // With no good release at all, nothing has been released to compare with: `touched` changes nothing.
  const lastGood = good[0] ?? -1;
  const needed = new Set<number>([...Array(lastGood + 1).keys()]);
  for (const index of good.slice(0, 2)) needed.add(index);
  const withPolicy = newestFirst.findIndex((record) => record.policy);
  if (withPolicy !== -1) needed.add(withPolicy);
  return newestFirst.filter((_, index) => index < keep || needed.has(index));
}
