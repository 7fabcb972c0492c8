import { ApplicationFailure } from '@temporalio/activity';
import { formatBytes } from '../src/byteSize';
import type { FileReleaseStore } from '../src/releases/fileReleaseStore';
import { releaseEntry } from '../src/releases/releaseEntry';
import { TEMPORAL_PAYLOAD_LIMIT_BYTES } from '../src/temporal/payloadSize';
import { DeployedReleases, MAX_RELEASES_PER_READ, ReadReleasesRequest, ReadReleasesResult, ServiceReleases } from '../src/temporal/releaseReads';

export interface ReleaseReadPorts {
  releases: FileReleaseStore;
}

/** The worker's answers to clients' reads of its release log (the readReleases workflow). */
export function createReleaseReadActivities(ports: ReleaseReadPorts) {
  function serviceReleases(stack: string, environment: string, service: string, limit: number): ServiceReleases {
    const history = ports.releases.history(stack, environment, service);
    const lastSuccessful = history.find((record) => record.result === 'succeeded');
    const lastDeployed = history.find((record) => record.result !== 'rejected' && record.result !== 'cancelled');
    const count = Math.min(Math.max(Math.trunc(limit), 1), MAX_RELEASES_PER_READ);
    return {
      releases: history.slice(0, count).map(releaseEntry),
      lastSuccessful: lastSuccessful ? releaseEntry(lastSuccessful) : null,
      lastDeployed: lastDeployed ? releaseEntry(lastDeployed) : null,
    };
  }

  function deployedReleases(stack: string, environment: string): DeployedReleases {
    const services = ports.releases.services(stack, environment).map((service) => ({ service, components: ports.releases.released(stack, environment, service) }));
    return { services: services.filter((entry) => entry.components.length > 0) };
  }

  return {
    async readReleaseLog(request: ReadReleasesRequest): Promise<ReadReleasesResult> {
      const result = request.read === 'service' ? serviceReleases(request.stack, request.environment, request.service, request.limit) : deployedReleases(request.stack, request.environment);
      // Over the limit the read would fail with an opaque "payload too large"; say what is big instead.
      const bytes = Buffer.byteLength(JSON.stringify(result));
      if (bytes > TEMPORAL_PAYLOAD_LIMIT_BYTES) {
        throw ApplicationFailure.nonRetryable(
          `the released components of ${request.stack} in ${request.environment} come to ${formatBytes(bytes)}, over Temporal's limit of ${formatBytes(TEMPORAL_PAYLOAD_LIMIT_BYTES)} per payload`,
          'ReleasesTooLarge',
        );
      }
      return result;
    },
  };
}
