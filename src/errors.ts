// The errors a user can act on, shared by every client (the CLI, the Slack app) and the worker: one
// hierarchy under DeployerError, each with a stable code scripts may rely on (docs/cli.md), and one
// classifier (rootCause) that finds why something failed under Temporal's wrapping. The CLI maps the
// codes to exit codes in one table (cli/exitCodes.ts); nothing here knows about exit codes.
import type { ServiceRef } from './model/componentRef';
import { Diagnostic, formatDiagnostic } from './model/diagnostics';

/** Every code an error may carry, by what the user does about it. */
export const ERROR_CODES = [
  // The command line was wrong: a flag, a name, a value (the message names the candidates).
  'USAGE',
  'NO_REPO',
  'BAD_VAR',
  'NOTHING_SELECTED',
  'UNKNOWN_ENVIRONMENT',
  'UNKNOWN_STACK',
  'UNKNOWN_SERVICE',
  'AMBIGUOUS_SERVICE',
  'AMBIGUOUS_CANARY',
  'UNKNOWN_COMPONENT',
  'BAD_COMPONENT',
  'BAD_SERVICE',
  'BAD_NAME',
  'BAD_FIELD',
  'UNKNOWN_FIELD',
  'BAD_SINCE',
  'BAD_UNTIL',
  'BAD_COMMAND',
  'NO_COMMAND',
  'NOT_EXECUTABLE',
  'UNKNOWN_REPLICA',
  'NOT_LOCAL',
  'NOT_SCALABLE',
  'NOT_IGNORABLE',
  'NO_SUCH_DRIFT',
  'BAD_ALLOW_REPLACE',
  'UNKNOWN_ALLOW_REPLACE',
  'FORCE_REQUIRED',
  'REASON_REQUIRED',
  'CONFIRMATION_REQUIRED',
  'NO_SIGNING_KEY',
  'EMPTY_SECRET',
  'INVALID_SECRET_NAME',
  'PAYLOAD_TOO_LARGE',
  // Another deployment of the service holds its lock.
  'LOCKED',
  // The deployment repo is invalid, or what it asks for cannot be provided as written.
  'INVALID_CONFIG',
  'UNKNOWN_PRICE',
  'AWS_TARGET',
  'LOCAL_TARGET',
  // Something deployer needs is not there or did not answer.
  'TEMPORAL_UNREACHABLE',
  'WORKER_NOT_ANSWERING',
  'NO_WORKER',
  'RUNTIME_UNAVAILABLE',
  'RUNTIME_ERROR',
  'AWS_OBSERVER',
  'TOOL_MISSING',
  'POLICY_UNAVAILABLE',
  'STREAM_ENDED',
  // Trust: a signature or an identity token that proves nothing.
  'SIGNATURE',
  'OIDC_REFUSED',
  // What was asked does not apply to what runs now.
  'NOT_DEPLOYED',
  'NO_REPLICA',
  'EXEC_DISABLED',
  'NOT_WAITING',
  'APPROVAL_REFUSED',
  'NO_ROLLBACK_TARGET',
  'NOTHING_TO_DECOMMISSION',
  'NOT_ACKNOWLEDGEABLE',
  'DEPLOYING',
  'CANCELLED',
  // An operation started and failed.
  'ROLLBACK_FAILED',
  'ROLLBACK_ENDED',
  'ROLLBACK_CANCELLED',
  'DRIFT_CHECK_FAILED',
  'REMEDIATE_FAILED',
  'TESTS_NOT_RUN',
  'SCALE_FAILED',
  'DELETE_FAILED',
  'RECORD_FAILED',
  // A failure deployer did not foresee (a bug, or a system error without a code of ours).
  'UNEXPECTED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error the user can act on: what happened, why, and what to do, with a stable code. */
export class DeployerError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The repo is invalid; carries every problem found, in file order. */
export class ModelValidationError extends DeployerError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in the deployment repo:\n${diagnostics.map(formatDiagnostic).join('\n')}`, 'INVALID_CONFIG');
  }
}

/**
 * A name the user typed (--environment, --stack) that the repo does not declare: a usage mistake,
 * not a problem in the repo, so it has no file:line. The message lists the candidates.
 */
export class UnknownNameError extends DeployerError {
  constructor(code: 'UNKNOWN_ENVIRONMENT' | 'UNKNOWN_STACK', message: string) {
    super(message, code);
  }
}

/** A component's class, node type or region has no price in the pinned table. */
export class UnknownPriceError extends DeployerError {
  constructor(message: string) {
    super(message, 'UNKNOWN_PRICE');
  }
}

/** A required external tool is missing; the message says how to provide it. */
export class ToolMissingError extends DeployerError {
  constructor(message: string) {
    super(message, 'TOOL_MISSING');
  }
}

/** A component the aws target cannot provision as the environment is written; the message says what to add. */
export class AwsTargetError extends DeployerError {
  constructor(message: string) {
    super(message, 'AWS_TARGET');
  }
}

/** The task that creates the app's database user failed, or could not run: worth no retry until something changed. */
export class DatabaseUserError extends AwsTargetError {}

/** A component the local target cannot run as written; the message says why. */
export class LocalTargetError extends DeployerError {
  constructor(message: string) {
    super(message, 'LOCAL_TARGET');
  }
}

/**
 * AWS could not answer what the observer asked: the component is not there in AWS (`not-found`), a
 * local tool is missing (`missing-tool`), or the environment lacks a platform reference (`platform`).
 */
export class AwsObserverError extends DeployerError {
  constructor(
    message: string,
    readonly reason: 'not-found' | 'missing-tool' | 'platform',
  ) {
    super(message, 'AWS_OBSERVER');
    this.name = 'AwsObserverError';
  }
}

/** The local runtime is not running; the message says what to do. */
export class RuntimeUnavailableError extends DeployerError {
  constructor(message: string) {
    super(message, 'RUNTIME_UNAVAILABLE');
  }
}

/** The local runtime refused a request, with the HTTP status that says why (404: no such component). */
export class RuntimeRequestFailed extends DeployerError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message, 'RUNTIME_ERROR');
  }
}

/** Someone else's deployment of the service is running: the lock is held. */
export class ServiceLockedError extends DeployerError {
  /** The running deployment's workflow id, which is the lock. */
  readonly workflowId: string;

  constructor(
    lock: ServiceRef & { workflowId: string },
    readonly holder: { requestedBy?: string; since?: Date; version?: string; /** A MicroService whose canary the deployment runs. */ canary?: string },
  ) {
    const { stack, environment, service, workflowId } = lock;
    super(
      `${stack}/${environment}/${service} is locked: ${holder.requestedBy ?? 'someone'} is deploying${holder.version ? ` ${holder.version}` : ''}` +
        `${holder.since ? ` since ${holder.since.toISOString()}` : ''} (workflow ${workflowId}). Wait for it (deployer status --service ${service} --environment ${environment} --follow), ` +
        `or if it is stale: deployer unlock --stack ${stack} --environment ${environment} --service ${service} --force --reason "<why>"`,
      'LOCKED',
    );
    this.workflowId = workflowId;
  }
}

/** The deployment's validator refused a decision; the message says why (and who may approve). */
export class ApprovalRefusedError extends DeployerError {
  constructor(message: string) {
    super(message, 'APPROVAL_REFUSED');
  }
}

/** No deployment with this workflow id is running, so nothing waits for a decision. */
export class NotWaitingError extends DeployerError {
  constructor(readonly workflowId: string) {
    super(`${workflowId} is not running`, 'NOT_WAITING');
  }
}

/** A deployment's input is over Temporal's payload limit; the message names what made it so. */
export class PayloadTooLargeError extends DeployerError {
  constructor(message: string) {
    super(message, 'PAYLOAD_TOO_LARGE');
  }
}

/** The release log could not be read: Temporal is not reachable, or no worker answered in time. */
export class ReleasesUnavailableError extends DeployerError {
  constructor(message: string, code: 'TEMPORAL_UNREACHABLE' | 'WORKER_NOT_ANSWERING') {
    super(message, code);
  }
}

/** The reviewed policy repo could not be read, so nothing can be checked against it. */
export class PolicyUnavailableError extends DeployerError {
  constructor(message: string) {
    super(message, 'POLICY_UNAVAILABLE');
  }
}

/** An SSH signature could not be made or does not verify. */
export class SignatureError extends DeployerError {
  constructor(message: string) {
    super(message, 'SIGNATURE');
  }
}

/** Why a GitHub OIDC token was refused, or (`issuer-unavailable`) why it could not be checked. */
export type GithubOidcRefusal =
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'bad-signature'
  | 'unknown-key'
  | 'repository-not-allowed'
  | 'issuer-unavailable';

/** A token that proves nothing. The message says why and never contains the token. */
export class GithubOidcError extends DeployerError {
  constructor(
    message: string,
    readonly reason: GithubOidcRefusal,
  ) {
    super(message, 'OIDC_REFUSED');
    this.name = 'GithubOidcError';
  }
}

/**
 * The error's causes, outermost first (the error itself excluded). Temporal wraps what went wrong
 * in layers (WorkflowFailedError > ChildWorkflowFailure > ActivityFailure > ApplicationFailure).
 */
export function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  let current = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  while (current instanceof Error && chain.length < 10) {
    chain.push(current);
    current = (current as Error & { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * Why it failed: the innermost cause (or the error itself), with its failure type when it is a
 * Temporal ApplicationFailure (`ServiceLocked`, `NotDeployed`, ...) and its code when it has one
 * (a DeployerError's, or a system or gRPC error's).
 */
export function rootCause(error: unknown): { type?: string; code?: string | number; message: string } {
  const deepest = causes(error).pop() ?? error;
  const { type, code } = deepest as { type?: unknown; code?: unknown };
  return {
    type: typeof type === 'string' ? type : undefined,
    code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    message: deepest instanceof Error ? deepest.message : String(error),
  };
}
