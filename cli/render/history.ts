import type { ReleaseEntry } from '../../src/releases/releaseEntry';
import type { ReleaseResult } from '../../src/releases/releaseRecord';
import { box } from './box';
import { calendar, elapsed, shortIdentity, table } from './format';

const OUTCOME: Record<Exclude<ReleaseResult, 'succeeded'>, string> = { rolled_back: 'Rolled back', failed: 'Failed', cancelled: 'Cancelled', rejected: 'Rejected' };

/** One release as the history table shows it: Version, Date, Time, By, Duration (or what happened instead). */
export function historyRow(record: ReleaseEntry, timeZone?: string): [string, string, string, string, string] {
  const at = calendar(record.startedAt, timeZone);
  const outcome = record.result === 'succeeded' ? `${elapsed(Date.parse(record.finishedAt) - Date.parse(record.startedAt))} ✓` : (OUTCOME[record.result] ?? record.result);
  return [record.version, at.day, at.time, shortIdentity(record.deployedBy), outcome];
}

/** The mission's "Deployment History: notification-service (production)" box, newest first. */
export function renderHistory(service: string, environment: string, records: ReleaseEntry[], timeZone?: string): string {
  const title = `Deployment History: ${service} (${environment})`;
  if (records.length === 0) return box(title, [`No deployments of ${service} to ${environment} are recorded yet.`]);
  const [header, ...rows] = table([['Version', 'Date', 'Time', 'By', 'Duration'], ...records.map((record) => historyRow(record, timeZone))], 2, [7, 8, 8, 14]);
  return box(title, [header!], rows);
}

/** A release without its specs, for `history --json`. */
export function releaseSummary(record: ReleaseEntry) {
  return {
    version: record.version,
    result: record.result,
    deployedBy: record.deployedBy,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    durationMs: Date.parse(record.finishedAt) - Date.parse(record.startedAt),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.commit ? { commit: record.commit } : {}),
    ...(record.workflowId ? { workflowId: record.workflowId } : {}),
    ...(record.approvedBy ? { approvedBy: record.approvedBy } : {}),
    components: record.components.map((component) => component.id),
  };
}
