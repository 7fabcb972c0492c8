import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { findRepoRoot, serviceFlags } from '../flags';
import { MAX_RELEASES_PER_READ } from '../../src/temporal/releaseReads';

export default class History extends BaseCommand {
  static override summary = 'Show a service\'s deployments in an environment, newest first: version, when, by whom, and how long or how it ended.';
  static override description =
    'Read from the release log the deployer workers keep (files on the worker\'s machine, or the team\'s PostgreSQL), through Temporal: this machine needs no copy of it. Date and time are in this machine\'s time zone (set TZ to change it). ' +
    'A deployment that did not finish shows how it ended instead of its duration: Rolled back, Failed, Cancelled or Rejected. ' +
    'Exit codes: 0 shown (also when there is no history yet), 1 Temporal unreachable or no worker answering, 2 usage.';
  static override examples = [
    '<%= config.bin %> history --service notification-service --environment production --limit 10',
    '<%= config.bin %> history --service notification-service --environment production',
    'TZ=UTC <%= config.bin %> history --service notification-service --environment staging --json',
  ];
  static override flags = {
    ...serviceFlags,
    limit: Flags.integer({ description: 'At most this many deployments, the newest.', default: 10, min: 1, max: MAX_RELEASES_PER_READ }),
  };

  async run() {
    const { flags } = await this.parse(History);
    const { locateService } = await import('../../src/client/locate');
    const { readingReleases } = await import('../releaseReads');
    const { serviceHistory } = await import('../../src/client/releases');
    const { releaseSummary, renderHistory } = await import('../render/history');
    const root = findRepoRoot(flags.repo);
    const ref = locateService(root, { service: flags.service, environment: flags.environment, stack: flags.stack });
    const records = await readingReleases(flags, (reads) => serviceHistory(reads, ref, flags.limit));
    this.log(renderHistory(ref.service, ref.environment, records));
    return { stack: ref.stack, environment: ref.environment, service: ref.service, releases: records.map(releaseSummary) };
  }
}
