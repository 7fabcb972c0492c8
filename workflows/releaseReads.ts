import type { ReadReleasesRequest, ReadReleasesResult } from '../src/temporal/releaseReads';
import { localReads } from './activityOptions';

/** A client's read of the release log, which only the worker holds: one local activity, its answer returned. */
export async function readReleases(request: ReadReleasesRequest): Promise<ReadReleasesResult> {
  return localReads.readReleaseLog(request);
}
