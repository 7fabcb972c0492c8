import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { componentFlags } from '../observeFlags';
import { findRepoRoot } from '../repoFlags';

export default class Show extends BaseCommand {
  static override summary = 'Show what a component runs (kind, version, image, replicas, outputs), its last release and, with --show-events, its events.';
  static override description =
    'Outputs are shown as the component publishes them (url, endpoint, port, ...); secret ones, such as a database password, only as (secret), here and in --json. ' +
    'The last release comes from the release log. --show-events adds the component\'s timeline: replicas started, healthy, unhealthy, exited, restarted, scaling and rollouts. ' +
    'Exit codes: 0 shown, 1 the runtime is not running, the component is not deployed, or the environment\'s target cannot be observed here, 2 usage.';
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
    const { deployedState, observerFor, observing, releaseStore, resolveComponentTarget } = await import('../observe');
    const { renderShow, runsAs } = await import('../render/show');
    const { releaseSummary } = await import('../render/history');
    const root = findRepoRoot(flags.repo);
    const { ref, environment } = resolveComponentTarget({ root, component: flags.component, environment: flags.environment, stack: flags.stack });
    const observer = await observerFor(environment);
    const state = await deployedState(observer, ref);
    const events = flags['show-events'] ? await observing(ref, () => observer.events(ref)) : undefined;
    const history = releaseStore().history(ref.stack, ref.environment, ref.service);
    const lastRelease = history[0];
    const lastSuccessful = history.find((record) => record.result === 'succeeded');
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
