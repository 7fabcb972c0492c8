import { ApplicationFailure, Context } from '@temporalio/activity';
import { ResourceOperationError } from '../src/pulumi/componentStacks';

type Hooks = { signal: AbortSignal; terminate: AbortSignal; onProgress: (progress: unknown) => void; onStaleLockCleared: (note: string) => Promise<void> };

// Heartbeats carry the latest engine progress; the interval keeps a long silent step (a database
// being created) from looking like a dead worker.
const HEARTBEAT_INTERVAL_MS = 5000;
// How long an engine nobody waits for may go on to finish its step in flight before it is ended.
const ABANDONED_ENGINE_GRACE_MS = 10_000;

/** Runs an engine operation in an activity: heartbeats, cancellation, and a cleared stale lock logged and passed to `onStaleLockCleared`. */
export async function withHeartbeats<T>(run: (hooks: Hooks) => Promise<T>, onStaleLockCleared?: (note: string) => Promise<void>): Promise<T> {
  const context = Context.current();
  let latest: unknown;
  const timer = setInterval(() => context.heartbeat(latest), HEARTBEAT_INTERVAL_MS);
  const abandoned = whenAbandoned(context);
  try {
    return await run({
      // Temporal aborts this signal when the workflow cancels the activity (delivered on heartbeat);
      // the Automation API then interrupts the engine, which finishes its in-flight step and stops.
      signal: context.cancellationSignal,
      terminate: abandoned.signal,
      onProgress: (progress) => {
        latest = progress;
        context.heartbeat(progress);
      },
      onStaleLockCleared: async (note) => {
        context.log.warn(note);
        await onStaleLockCleared?.(note);
      },
    });
  } catch (error) {
    // The engine reports an interrupted run as a command error; tell Temporal it was a cancellation
    // so the workflow ends cancelled rather than failed.
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    if (error instanceof ResourceOperationError) throw ApplicationFailure.nonRetryable(error.message, 'ResourceOperationFailed');
    throw error;
  } finally {
    clearInterval(timer);
    abandoned.dispose();
  }
}

/**
 * Aborts a short grace after the activity is cancelled because nobody waits for its outcome: its
 * workflow closed (a forced unlock terminates it; a heartbeat then answers not-found) or this
 * attempt timed out and another runs. Such an engine would keep the stack's lock while it finishes
 * a step that may never end (a rollout waiting for a process that cannot start); a cancellation
 * the workflow asked for is left to finish cleanly.
 */
function whenAbandoned(context: Context): { signal: AbortSignal; dispose(): void } {
  const abandoned = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const onCancel = () => {
    const details = context.cancellationDetails;
    if (!details?.notFound && !details?.timedOut) return;
    context.log.warn(`the workflow no longer waits for this engine run (${details.notFound ? 'workflow closed' : 'attempt timed out'}); ending it in ${ABANDONED_ENGINE_GRACE_MS / 1000} s unless it stops first`);
    grace = setTimeout(() => abandoned.abort(), ABANDONED_ENGINE_GRACE_MS);
  };
  context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  return {
    signal: abandoned.signal,
    dispose() {
      clearTimeout(grace);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    },
  };
}
