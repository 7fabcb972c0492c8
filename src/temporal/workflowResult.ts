// Type-only: the CLI loads the Temporal client when it first connects, not when it imports this.
import type { WorkflowHandle } from '@temporalio/client';

// gRPC codes that say the Temporal server could not be reached or did not answer in time (it
// restarts, the network blips), as opposed to an answer: the workflow keeps running meanwhile.
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const RETRY_MS = 2_000;

/** Whether an error is the Temporal server out of reach, not something the server answered. */
export function isServerOutage(error: unknown): boolean {
  // The client wraps the gRPC error in a ServiceError when it waits for a result; a query throws it bare.
  const grpc = error instanceof Error && error.name === 'ServiceError' ? error.cause : error;
  const code = (grpc as { code?: unknown } | undefined)?.code;
  return code === UNAVAILABLE || code === DEADLINE_EXCEEDED;
}

/**
 * A workflow's result, waited for through outages of the Temporal server: the workflow goes on in
 * its history while the server restarts, so a client that waits for it must not take the outage for
 * the workflow's outcome. `onOutage` hears of each lost wait (to tell the user once); anything the
 * server answered (the workflow failed, was terminated, is unknown) ends the wait as it is.
 */
export async function resultThroughOutages<T>(handle: Pick<WorkflowHandle, 'result'>, onOutage: (error: Error) => void = () => undefined, retryMs = RETRY_MS): Promise<T> {
  for (;;) {
    try {
      return (await handle.result()) as T;
    } catch (error) {
      if (!isServerOutage(error)) throw error;
      onOutage(error as Error);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}
