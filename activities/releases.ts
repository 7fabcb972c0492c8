import { ApplicationFailure } from '@temporalio/activity';
import { lastReleased } from '../src/releases/releaseLog';
import type { ReleaseRecord } from '../src/releases/releaseRecord';
import type { RollbackTargetRequest, ServiceInEnvironment, StackInEnvironment } from '../src/temporal/deploymentActivities';
import type { DeploymentPorts } from './ports';

/** The release log as the workflows use it: what they record, and the releases they start from. */
export function createReleaseActivities(ports: Pick<DeploymentPorts, 'releases'>) {
  return {
    async recordRelease(record: ReleaseRecord): Promise<void> {
      await ports.releases.append(record);
    },

    /** Services of a stack that run something in an environment, by the release log. */
    async deployedServices(input: StackInEnvironment): Promise<string[]> {
      const services = await ports.releases.services(input.stack, input.environment);
      const released = await Promise.all(services.map((service) => lastReleased(ports.releases, input.stack, input.environment, service)));
      return services.filter((_, index) => released[index]!.length > 0);
    },

    /** The newest release record of a service (any result), or null when it was never released there. */
    async lastRelease(input: ServiceInEnvironment): Promise<ReleaseRecord | null> {
      return (await ports.releases.history(input.stack, input.environment, input.service, 1))[0] ?? null;
    },

    /** The release a rollback returns to: the named version, else the last good one before the current. */
    async findRollbackTarget(input: RollbackTargetRequest): Promise<ReleaseRecord> {
      const good = (await ports.releases.history(input.stack, input.environment, input.service)).filter((record) => record.result === 'succeeded');
      const target = input.toVersion ? good.find((record) => record.version === input.toVersion) : good[1];
      if (!target) {
        const versions = [...new Set(good.map((record) => record.version))];
        throw ApplicationFailure.nonRetryable(
          input.toVersion
            ? `${input.service} has no successful release ${input.toVersion} in ${input.environment}; successful releases: ${versions.join(', ') || 'none'}`
            : `${input.service} has no earlier successful release in ${input.environment} to roll back to${versions.length ? ` (only ${versions[0]})` : ''}`,
          'NoRollbackTarget',
        );
      }
      return target;
    },
  };
}
