// The CLI's way to the worker's release log (src/client/releases.ts): over the command's Temporal
// settings and DEPLOYER_TASK_QUEUE, its failures as errors with exit codes.
import { ReleaseReads, ReleasesUnavailableError, temporalReleaseReads } from '../src/client/releases';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import { DeployerError, EXIT } from './baseCommand';
import { ConnectionFlags, resolveSettings } from './temporalClient';

/** Runs `use` with release reads through the worker, then closes them; Temporal or the worker not answering is an error (exit 1) that says how to start them. */
export async function readingReleases<T>(flags: ConnectionFlags, use: (reads: ReleaseReads) => Promise<T>): Promise<T> {
  const reads = temporalReleaseReads({ settings: resolveSettings(flags), taskQueue: deployerTaskQueue() });
  try {
    return await use(reads);
  } catch (error) {
    throw releasesFailure(error);
  } finally {
    await reads.close();
  }
}

function releasesFailure(error: unknown): unknown {
  return error instanceof ReleasesUnavailableError ? new DeployerError(error.message, error.code, EXIT.failure) : error;
}
