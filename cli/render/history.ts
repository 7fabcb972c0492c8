import type { ReleaseEntry } from '../../src/releases/releaseEntry';
import { approvalWaitMs, releaseKind, ReleaseResult, workingMs } from '../../src/releases/releaseRecord';
import { box } from '../../src/client/render/box';
import { calendar, elapsed, shortIdentity, table } from '../../src/client/render/format';

const OUTCOME: Record<Exclude<ReleaseResult, 'succeeded'>, string> = { rolled_back: 'Rolled back', failed: 'Failed', cancelled: 'Cancelled', rejected: 'Rejected' };

/**
 * One release as the history table shows it: Version, Kind (deploy, rollback, remediate,
 * decommission), Date, Time, By, Duration (or what happened instead), and the approval wait apart:
 * time nobody decided is not time the deployment took.
 */
export function historyRow(record: ReleaseEntry, timeZone?: string): [string, string, string, string, string, string, string] {
  const at = calendar(record.startedAt, timeZone);
  const outcome = record.result === 'succeeded' ? `${elapsed(workingMs(record))} ✓` : (OUTCOME[record.result] ?? record.result);
  const waited = record.approval ? elapsed(approvalWaitMs(record)) : '';
  return [record.version, releaseKind(record), at.day, at.time, shortIdentity(record.deployedBy), outcome, waited];
}

/** The mission's "Deployment History: notification-service (production)" box, newest first. */
export function renderHistory(service: string, environment: string, records: ReleaseEntry[], timeZone?: string): string {
  const title = `Deployment History: ${service} (${environment})`;
  if (records.length === 0) return box(title, [`No deployments of ${service} to ${environment} are recorded yet.`]);
  // The approval wait only where some release waited for one (environments that require approval):
  // elsewhere the column would be empty and cost the table its fit in 80 columns.
  const waited = records.some((record) => record.approval);
  const columns = (row: string[]) => (waited ? row : row.slice(0, -1));
  const [header, ...rows] = table([columns(['Version', 'Kind', 'Date', 'Time', 'By', 'Duration', 'Waited']), ...records.map((record) => columns(historyRow(record, timeZone)))], 2, [7, 6, 6, 5, 13, 8]);
  return box(title, [header!], rows);
}

/** A release without its specs, for `history --json`: fields are only ever added (scripts read it). */
export function releaseSummary(record: ReleaseEntry) {
  return {
    version: record.version,
    kind: releaseKind(record),
    result: record.result,
    deployedBy: record.deployedBy,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    // Start to finish, approval wait included (as it always was); approvalWaitMs says how much of it that was.
    durationMs: Date.parse(record.finishedAt) - Date.parse(record.startedAt),
    ...(record.approval ? { approval: record.approval, approvalWaitMs: approvalWaitMs(record) } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.commit ? { commit: record.commit } : {}),
    ...(record.workflowId ? { workflowId: record.workflowId } : {}),
    ...(record.approvedBy ? { approvedBy: record.approvedBy } : {}),
    components: record.components.map((component) => component.id),
  };
}
