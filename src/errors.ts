// Errors a user can act on, shared by every client (the CLI, the Slack app).

/** Stable exit codes, documented in docs/cli.md; scripts may rely on them. */
export const EXIT = {
  success: 0,
  failure: 1,
  usage: 2,
  locked: 3,
  rejected: 4,
  driftFound: 5,
} as const;

/** An error the user can act on: what happened, why, and what to do, with a stable code. */
export class DeployerError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}
