// How the CLI ends: one table from what happened (an error's code, or the way a deployment ended)
// to the exit code. The codes are documented in docs/cli.md; scripts and CI rely on them.
// Imports stay light: every command loads this at start-up.
import { DeployerError, ErrorCode } from '../src/errors';
import type { DeploymentPhase } from '../src/temporal/deployment';

/** Stable exit codes, documented in docs/cli.md. */
export const EXIT = {
  success: 0,
  failure: 1,
  usage: 2,
  locked: 3,
  rejected: 4,
  driftFound: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** How a deployment ended (its last phase), or `locked` when it could not start. */
export type DeploymentEnd = Extract<DeploymentPhase, 'succeeded' | 'unchanged' | 'failed' | 'rolled-back' | 'rejected' | 'timed-out' | 'cancelled'> | 'locked';

const usage = EXIT.usage;
const failure = EXIT.failure;

/** The table: every error code and every way a deployment ends, to its exit code. */
export const EXIT_CODES: Readonly<Record<ErrorCode | `deployment:${DeploymentEnd}`, ExitCode>> = {
  USAGE: usage,
  NO_REPO: usage,
  BAD_VAR: usage,
  NOTHING_SELECTED: usage,
  UNKNOWN_ENVIRONMENT: usage,
  UNKNOWN_STACK: usage,
  UNKNOWN_SERVICE: usage,
  AMBIGUOUS_SERVICE: usage,
  AMBIGUOUS_CANARY: usage,
  UNKNOWN_COMPONENT: usage,
  BAD_COMPONENT: usage,
  BAD_SERVICE: usage,
  BAD_NAME: usage,
  BAD_FIELD: usage,
  UNKNOWN_FIELD: usage,
  BAD_SINCE: usage,
  BAD_UNTIL: usage,
  BAD_COMMAND: usage,
  NO_COMMAND: usage,
  NOT_EXECUTABLE: usage,
  UNKNOWN_REPLICA: usage,
  NOT_LOCAL: usage,
  NOT_SCALABLE: usage,
  NOT_IGNORABLE: usage,
  NO_SUCH_DRIFT: usage,
  BAD_ALLOW_REPLACE: usage,
  UNKNOWN_ALLOW_REPLACE: usage,
  FORCE_REQUIRED: usage,
  REASON_REQUIRED: usage,
  CONFIRMATION_REQUIRED: usage,
  NO_SIGNING_KEY: usage,
  EMPTY_SECRET: usage,
  INVALID_SECRET_NAME: usage,
  PAYLOAD_TOO_LARGE: usage,
  LOCKED: EXIT.locked,
  INVALID_CONFIG: failure,
  UNKNOWN_PRICE: failure,
  AWS_TARGET: failure,
  LOCAL_TARGET: failure,
  TEMPORAL_UNREACHABLE: failure,
  WORKER_NOT_ANSWERING: failure,
  NO_WORKER: failure,
  RUNTIME_UNAVAILABLE: failure,
  RUNTIME_ERROR: failure,
  AWS_OBSERVER: failure,
  TOOL_MISSING: failure,
  POLICY_UNAVAILABLE: failure,
  STREAM_ENDED: failure,
  SIGNATURE: failure,
  OIDC_REFUSED: failure,
  NOT_DEPLOYED: failure,
  NO_REPLICA: failure,
  EXEC_DISABLED: failure,
  NOT_WAITING: failure,
  APPROVAL_REFUSED: failure,
  NO_ROLLBACK_TARGET: failure,
  NOTHING_TO_DECOMMISSION: failure,
  NOT_ACKNOWLEDGEABLE: failure,
  DEPLOYING: failure,
  CANCELLED: failure,
  ROLLBACK_FAILED: failure,
  ROLLBACK_ENDED: failure,
  ROLLBACK_CANCELLED: failure,
  DRIFT_CHECK_FAILED: failure,
  REMEDIATE_FAILED: failure,
  TESTS_NOT_RUN: failure,
  SCALE_FAILED: failure,
  DELETE_FAILED: failure,
  RECORD_FAILED: failure,
  UNEXPECTED: failure,
  'deployment:succeeded': EXIT.success,
  'deployment:unchanged': EXIT.success,
  'deployment:rejected': EXIT.rejected,
  'deployment:timed-out': EXIT.rejected,
  'deployment:failed': failure,
  'deployment:rolled-back': failure,
  'deployment:cancelled': failure,
  'deployment:locked': EXIT.locked,
};

/**
 * The exit code of an error: its code's, for a DeployerError; the one oclif gave its own errors (2
 * for a bad or missing flag); failure for anything else (a bug, a system error deployer did not foresee).
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof DeployerError) return EXIT_CODES[error.code] ?? failure;
  const oclifExit = (error as { oclif?: { exit?: unknown } } | undefined)?.oclif?.exit;
  return typeof oclifExit === 'number' ? oclifExit : failure;
}

/** The exit code of a deployment that ended in `phase` (a phase that is no end is a failure: it stopped there). */
export function deploymentExitCode(phase: string): ExitCode {
  return EXIT_CODES[`deployment:${phase}` as `deployment:${DeploymentEnd}`] ?? failure;
}

/**
 * A stack's exit code from its services': locked when one was locked, else failed when one failed,
 * else rejected when one was rejected or not approved in time (nothing failed, someone said no).
 */
export function stackExitCode(phase: string, servicePhases: string[]): ExitCode {
  if (phase === 'succeeded') return EXIT.success;
  const codes = servicePhases.map(deploymentExitCode);
  for (const telling of [EXIT.locked, EXIT.failure, EXIT.rejected]) if (codes.includes(telling)) return telling;
  return failure;
}

/** A drift check's: drift found, else failure when a component could not be checked, else success. */
export function driftExitCode(drifted: boolean, unchecked: boolean): ExitCode {
  if (drifted) return EXIT.driftFound;
  return unchecked ? failure : EXIT.success;
}
