// The contract of `deployer unlock --force` with the worker: the workflow that records a forced
// unlock (a release record and a notification), its id and input. Workflow-safe: no Node imports.
import type { RequestClaims, SignedClaims } from '../trust/claims';

export const RECORD_FORCED_UNLOCK_WORKFLOW = 'recordForcedUnlock';

export function forcedUnlockWorkflowId(stack: string, environment: string, service: string, at: Date): string {
  return `forced-unlock/${stack}/${environment}/${service}/${at.toISOString()}`;
}

/** The reason a forced unlock gives, in the terminated workflow's history and in the records. */
export function forcedUnlockReason(by: string, reason: string): string {
  return `forced unlock by ${by}: ${reason}`;
}

export interface RecordForcedUnlockInput {
  stack: string;
  environment: string;
  service: string;
  /** The deployService workflow that held the lock and was terminated. */
  workflowId: string;
  runId?: string;
  /** Who had started that deployment, its version and when it started (from its search attributes). */
  heldBy?: string;
  version?: string;
  startedAt: string;
  /** Its phase when it was ended. */
  phase?: string;
  /** Who forced the unlock, and why (as they typed it). */
  by: string;
  reason: string;
  /** Their signed claim to be `by`: the record says whether it was proven. */
  request?: SignedClaims<RequestClaims>;
}

export interface RecordForcedUnlockResult {
  /** False when the service was never released in the environment: nothing to take settings from. */
  releaseRecorded: boolean;
  notified: boolean;
}
