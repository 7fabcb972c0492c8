import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import type { ServiceStatus } from '../../src/client/render/status';
import { DeployerError } from '../../src/errors';
import { environmentFlag, repoFlag, serviceFlag, stackFlag } from '../flags';

export default class Status extends BaseCommand {
  static override summary = 'Show what runs for a service (or every service of a stack): components, status, health, last deployment; --follow watches a running deployment.';
  static override examples = [
    '<%= config.bin %> status --service notification-service --environment production',
    '<%= config.bin %> status --service notification-service --environment production --follow',
    '<%= config.bin %> status --stack user-platform --environment development --json',
  ];
  static override flags = {
    repo: repoFlag(),
    stack: stackFlag({ description: 'Stack (found from --service when omitted; every service of it without --service).' }),
    service: serviceFlag({ description: 'Service to show.' }),
    environment: environmentFlag({ required: true }),
    follow: Flags.boolean({ char: 'f', description: 'While a deployment runs, show its progress live until it ends.', default: false }),
  };

  async run() {
    const { flags } = await this.parse(Status);
    const { findRepoRoot } = await import('../flags');
    const { findServiceStack, listDirs, requireStack } = await import('../../src/client/locate');
    const { runningDeployment } = await import('../serviceStatus');
    const { gatherServiceStatus } = await import('../../src/client/serviceStatus');
    const { renderServiceStatus } = await import('../../src/client/render/status');
    const path = await import('node:path');
    const root = findRepoRoot(flags.repo);
    if (!flags.service && !flags.stack) throw new DeployerError('say what to show: --service SERVICE, or --stack STACK for every service of it', 'NOTHING_SELECTED');
    const stack = flags.service ? findServiceStack(root, flags.service, flags.stack) : requireStack(root, flags.stack!);
    const services = flags.service ? [flags.service] : listDirs(path.join(root, 'stacks', stack, 'services'));
    // Before asking Temporal anything: a typo is a usage error, not an unreachable server.
    const { requireEnvironment } = await import('../observe');
    const environmentSpec = requireEnvironment(root, flags.environment);
    const { connectTemporal } = await import('../temporalClient');
    const { temporalReleaseReads } = await import('../../src/client/releases');
    const { ReleasesUnavailableError } = await import('../../src/errors');
    const { deployerTaskQueue } = await import('../../src/temporal/taskQueue');
    // What runs comes from the target; Temporal says whether a deployment is under way, and the
    // worker (through it) what was last deployed. Without them, status still answers (and says what
    // it could not check), unless asked to follow.
    const unreachable = (error: unknown) => !flags.follow && error instanceof DeployerError && error.code === 'TEMPORAL_UNREACHABLE';
    const temporal = await connectTemporal(flags).catch((error: unknown) => {
      if (!unreachable(error)) throw error;
      this.warn(`${(error as Error).message} Showing what runs without knowing whether a deployment is under way. The components are the repo's: what was last deployed is in the worker's release log.`);
      return undefined;
    });
    const reads = temporal && temporalReleaseReads({ client: temporal.client, address: temporal.settings.address, taskQueue: deployerTaskQueue() });
    let readsAnswer = Boolean(reads);
    const serviceReleases = async (service: string) => {
      if (!reads || !readsAnswer) return undefined;
      return reads.serviceReleases({ stack, environment: flags.environment, service, limit: 1 }).catch((error: unknown) => {
        if (!(error instanceof ReleasesUnavailableError)) throw error;
        // Asked once: a worker that did not answer for one service will not for the next.
        readsAnswer = false;
        this.warn(`${error.message} Showing the repo's components, without the last deployment.`);
        return undefined;
      });
    };
    const statuses: ServiceStatus[] = [];
    try {
      for (const service of services) {
        const deploying = temporal
          ? await runningDeployment(temporal, stack, flags.environment, service, environmentSpec).catch((error: unknown) => {
              if (!unreachable(error)) throw error;
              this.warn((error as Error).message);
              return undefined;
            })
          : undefined;
        if (deploying && flags.follow) await deploying.follow(this.jsonEnabled());
        const releases = await serviceReleases(service);
        statuses.push(await gatherServiceStatus({ root, stack, environment: flags.environment, service, releases, deploying: flags.follow ? undefined : deploying }));
      }
    } finally {
      // Whatever happens, also when Temporal or the target fails midway.
      await temporal?.close();
    }
    if (!this.jsonEnabled()) for (const status of statuses) this.log(renderServiceStatus(status));
    return { stack, environment: flags.environment, services: statuses };
  }
}
