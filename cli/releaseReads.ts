// The CLI's way to the worker's release log (src/client/releases.ts): over the command's Temporal
// settings and DEPLOYER_TASK_QUEUE.
import { ReleaseReads, temporalReleaseReads } from '../src/client/releases';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import { ConnectionFlags, resolveSettings } from './temporalClient';

/** Runs `use` with release reads through the worker, then closes them; Temporal or the worker not answering is a ReleasesUnavailableError that says how to start them. */
export async function readingReleases<T>(flags: ConnectionFlags, use: (reads: ReleaseReads) => Promise<T>): Promise<T> {
  const reads = temporalReleaseReads({ settings: resolveSettings(flags), taskQueue: deployerTaskQueue() });
  try {
    return await use(reads);
  } finally {
    await reads.close();
  }
}
