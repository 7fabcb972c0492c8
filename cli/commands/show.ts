import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { componentFlags, findRepoRoot } from '../flags';

export default class Show extends BaseCommand {
  static override summary = 'Show what a component runs (kind, version, image, replicas, outputs), its last release and, with --show-events, its events.';
  static override description =
    'Outputs are shown as the component publishes them (url, endpoint, port, ...); secret ones, such as a database password, only as (secret), here and in --json. ' +
    'The last release comes from the release log, which the worker reads for it through Temporal. --show-events adds the component\'s timeline: replicas started, healthy, unhealthy, exited, restarted, scaling and rollouts. ' +
    'Exit codes: 0 shown, 1 the runtime is not running, the component is not deployed, the environment\'s target cannot be observed here, or Temporal is unreachable or no worker answers, 2 usage.';
  static override examples = [
    '<%= config.bin %> show --component notification-service/api --environment production --show-events',
    '<%= config.bin %> show --component notification-service/database --environment staging',
    '<%= config.bin %> show --component notification-service/api --environment development --show-events --json',
  ];
  static override flags = {
    ...componentFlags,
    'show-events': Flags.boolean({ description: 'Add the component\'s events as a timeline.' }),
  };

  async run() {
    const { flags } = await this.parse(Show);
    const { deployedState, observerFor, observing, resolveComponentTarget } = await import('../observe');
    const { readingReleases } = await import('../releaseReads');
    const { renderShow, runsAs } = await import('../render/show');
    const { releaseSummary } = await import('../render/history');
    const root = findRepoRoot(flags.repo);
    const { ref, environment } = resolveComponentTarget({ root, component: flags.component, environment: flags.environment, stack: flags.stack });
    const observer = await observerFor(environment);
    const state = await deployedState(observer, ref);
    const events = flags['show-events'] ? await observing(ref, () => observer.events(ref)) : undefined;
    const releases = await readingReleases(flags, (reads) => reads.serviceReleases({ stack: ref.stack, environment: ref.environment, service: ref.service, limit: 1 }));
    const lastRelease = releases.releases[0];
    const lastSuccessful = releases.lastSuccessful ?? undefined;
    this.log(renderShow({ ref, state, lastRelease, lastSuccessful, events }));
    return {
      ...ref,
      kind: state.kind,
      status: state.status,
      runsAs: Object.fromEntries(runsAs(state).map(([label, value]) => [label.toLowerCase(), value])),
      outputs: state.outputs,
      lastRelease: lastRelease ? releaseSummary(lastRelease) : null,
      lastSuccessfulRelease: lastSuccessful ? releaseSummary(lastSuccessful) : null,
      ...(events ? { events } : {}),
    };
  }
}
