// The contract of clients' reads of the release log with the worker, which alone holds it: the
// readReleases workflow, its id, requests and answers. Workflow-safe: no Node imports.
import type { ReleaseEntry } from '../releases/releaseEntry';
import type { ReleasedComponent } from '../releases/releaseRecord';

export const READ_RELEASES_WORKFLOW = 'readReleases';

/**
 * Most release entries one read returns: an entry is a few hundred bytes, so even long reasons stay
 * far below Temporal's 2 MiB payload limit. `history --limit` is capped at it.
 */
export const MAX_RELEASES_PER_READ = 200;

/**
 * Unique per read: reads run side by side and leave nothing to find later. Without slashes, unlike
 * deployments' ids: Temporal's HTTP API takes the id as one path segment and refuses an encoded slash.
 */
export function readReleasesWorkflowId(stack: string, environment: string, nonce: string): string {
  return `read-releases:${stack}:${environment}:${nonce}`;
}

/** One service's release log, newest first. */
export interface ServiceReleasesRequest {
  read: 'service';
  stack: string;
  environment: string;
  service: string;
  /** At most this many of the newest entries (1..MAX_RELEASES_PER_READ). */
  limit: number;
}

/** What each service of a stack runs by its last good release: what `plan` compares the repo with. */
export interface DeployedReleasesRequest {
  read: 'deployed';
  stack: string;
  environment: string;
}

export type ReadReleasesRequest = ServiceReleasesRequest | DeployedReleasesRequest;

export interface ServiceReleases {
  /** The newest `limit` entries, newest first. */
  releases: ReleaseEntry[];
  /** The newest that succeeded, however old: what runs. */
  lastSuccessful: ReleaseEntry | null;
  /** The newest that was neither rejected nor cancelled: the last deployment that ran. */
  lastDeployed: ReleaseEntry | null;
}

export interface DeployedReleases {
  /** Every service with something released, sorted, with its components as last deployed. */
  services: { service: string; components: ReleasedComponent[] }[];
}

export type ReadReleasesResult = ServiceReleases | DeployedReleases;
