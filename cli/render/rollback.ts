// What `deployer rollback` prints, and how a failed rollback reads. Pure, so exact strings are unit-tested.
import type { DeploymentPhase, RollbackServiceInput } from '../../src/temporal/deployment';
import { printable } from '../../src/client/render/format';

export type RollbackRequest = RollbackServiceInput;

/** How a finished rollback went. */
export interface RollbackOutcome {
  workflowId: string;
  stack: string;
  environment: string;
  service: string;
  /** The phase of the deployment that rolled back (succeeded, unchanged, failed, rolled-back, ...). */
  phase: DeploymentPhase;
  /** The version rolled back to. */
  version: string;
  durationMs: number;
  requestedBy: string;
  reason?: string;
  /** Components the rollback changed. */
  changed: string[];
  url?: string;
}

/** `0m 42s`, `4m 32s`, `1h 2m 3s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours ? `${hours}h ${minutes}m ${seconds}s` : `${minutes}m ${seconds}s`;
}

export function renderRollback(outcome: RollbackOutcome): string {
  const where = `${outcome.service} in ${outcome.environment}`;
  const head =
    outcome.phase === 'unchanged'
      ? `✓ ${where} already runs release ${outcome.version}; nothing to roll back (checked in ${formatDuration(outcome.durationMs)}).`
      : `✓ Rolled back ${where} to version ${outcome.version} in ${formatDuration(outcome.durationMs)}.`;
  return [
    head,
    ...(outcome.changed.length ? [`  Changed: ${outcome.changed.join(', ')}`] : []),
    `  Requested by: ${outcome.requestedBy}`,
    ...(outcome.reason ? [`  Reason: ${outcome.reason}`] : []),
    `  Workflow: ${outcome.workflowId}`,
    ...(outcome.url ? [`  Temporal UI: ${outcome.url}`] : []),
  ]
    .map(printable)
    .join('\n');
}

/** Why a rollback that ran to the end did not succeed (phase other than succeeded/unchanged). */
export function rollbackFailedMessage(outcome: Pick<RollbackOutcome, 'service' | 'environment' | 'version' | 'phase' | 'reason' | 'workflowId'>): string {
  const what = `rolling ${outcome.service} in ${outcome.environment} back to ${outcome.version}`;
  const why = outcome.reason ?? 'no reason recorded';
  switch (outcome.phase) {
    case 'rolled-back':
      return `${what} failed and was undone: ${why}. The service runs what it ran before the rollback (workflow ${outcome.workflowId}).`;
    case 'cancelled':
      return `${what} was cancelled (workflow ${outcome.workflowId}).`;
    default:
      return `${what} ended ${outcome.phase}: ${why} (workflow ${outcome.workflowId}).`;
  }
}

/** Started without waiting (--no-wait). */
export function renderRollbackStarted(request: RollbackRequest, workflowId: string, url?: string): string {
  const to = request.toVersion ? `to ${request.toVersion}` : 'to the previous good release';
  return [
    `Started rollback of ${request.service} in ${request.environment} (stack ${request.stack}) ${to}.`,
    `  Workflow: ${workflowId}`,
    `  Follow it: deployer status --service ${request.service} --environment ${request.environment} --follow`,
    ...(url ? [`  Temporal UI: ${url}`] : []),
  ].join('\n');
}

/** The progress line on stderr while waiting. */
export function rollbackWaiting(request: RollbackRequest, workflowId: string): string {
  const to = request.toVersion ? request.toVersion : 'the previous good release';
  return `Rolling back ${request.service} in ${request.environment} (stack ${request.stack}) to ${to}; workflow ${workflowId}. Waiting for it to finish...`;
}
