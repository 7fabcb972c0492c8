import { ApplicationFailure } from '@temporalio/activity';
import { formatBytes } from '../src/byteSize';
import { lastReleased } from '../src/releases/releaseLog';
import type { ReleaseResult } from '../src/releases/releaseRecord';
import { releaseEntry } from '../src/releases/releaseEntry';
import { TEMPORAL_PAYLOAD_LIMIT_BYTES } from '../src/temporal/payloadSize';
import { DeployedReleases, MAX_RELEASES_PER_READ, ReadReleasesRequest, ReadReleasesResult, ServiceReleases } from '../src/temporal/releaseReads';
import type { DeploymentPorts } from './ports';

// What ran after it: a rejected or cancelled deployment changed nothing.
const DEPLOYED_RESULTS: ReleaseResult[] = ['succeeded', 'failed', 'rolled_back'];

/** The worker's answers to clients' reads of its release log (the readReleases workflow). */
export function createReleaseReadActivities(ports: Pick<DeploymentPorts, 'releases'>) {
  async function serviceReleases(stack: string, environment: string, service: string, limit: number): Promise<ServiceReleases> {
    const count = Math.min(Math.max(Math.trunc(limit), 1), MAX_RELEASES_PER_READ);
    const [history, lastSuccessful, lastDeployed] = await Promise.all([
      ports.releases.history(stack, environment, service, count),
      ports.releases.latest(stack, environment, service, ['succeeded']),
      ports.releases.latest(stack, environment, service, DEPLOYED_RESULTS),
    ]);
    return {
      releases: history.map(releaseEntry),
      lastSuccessful: lastSuccessful ? releaseEntry(lastSuccessful) : null,
      lastDeployed: lastDeployed ? releaseEntry(lastDeployed) : null,
    };
  }

  async function deployedReleases(stack: string, environment: string): Promise<DeployedReleases> {
    const services = await Promise.all((await ports.releases.services(stack, environment)).map(async (service) => ({ service, components: await lastReleased(ports.releases, stack, environment, service) })));
    return { services: services.filter((entry) => entry.components.length > 0) };
  }

  return {
    async readReleaseLog(request: ReadReleasesRequest): Promise<ReadReleasesResult> {
      const result = request.read === 'service' ? await serviceReleases(request.stack, request.environment, request.service, request.limit) : await deployedReleases(request.stack, request.environment);
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
