import type { ReleaseRecord, ReleaseResult } from '../../src/releases/releaseRecord';

/**
 * A release of shop/production/orders as the release log stores it, for tests of the log and its
 * backends. It starts and ends at a time its version's digits decide (v1.2.0 -> 120 minutes past
 * 2026-01-01), so building the same release twice gives the same record, as a retried append does.
 */
export function testRelease(version: string, result: ReleaseResult, extra: Partial<ReleaseRecord> = {}): ReleaseRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + Number(version.replace(/\D/g, '')) * 60_000).toISOString();
  return {
    stack: 'shop',
    environment: 'production',
    service: 'orders',
    version,
    deployedBy: 'alice@company.com',
    startedAt: at,
    finishedAt: at,
    result,
    components: [],
    serviceSpec: {} as ReleaseRecord['serviceSpec'],
    environmentSpec: {} as ReleaseRecord['environmentSpec'],
    groups: {},
    ...extra,
  };
}
