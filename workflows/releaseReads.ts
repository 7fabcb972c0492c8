import { proxyLocalActivities } from '@temporalio/workflow';
import type { DeployerActivities } from '../activities';
import type { ReadReleasesRequest, ReadReleasesResult } from '../src/temporal/releaseReads';

// A local activity: reading a few files needs no task queue round trip and no retries to speak of;
// the client's timeout bounds the whole read.
const local = proxyLocalActivities<DeployerActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 2 } });

/** A client's read of the release log, which only the worker holds: one local activity, its answer returned. */
export async function readReleases(request: ReadReleasesRequest): Promise<ReadReleasesResult> {
  return local.readReleaseLog(request);
}
