import { Flags, ux } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { componentFlags, findRepoRoot } from '../flags';
import { DeployerError } from '../../src/errors';

// Without --since, only the newest lines: a long-running service has megabytes of them.
const DEFAULT_LIMIT = 100;

export default class Logs extends BaseCommand {
  static override summary = 'Show or stream a component\'s logs: timestamped lines from every replica.';
  static override description =
    'Lines are `<time> <replica>  <message>`, oldest first. --filter takes CloudWatch\'s term syntax (every term must appear, case-sensitive; "quoted phrases" whole), --search is case-insensitive text. ' +
    `Without --since the newest ${DEFAULT_LIMIT} lines (or --limit) are shown; with --since every line since then (up to --limit). --follow keeps streaming new lines until Ctrl-C. ` +
    '--json prints the lines as an array of {at, source, stream, message}; with --follow, one such object per line (newline-delimited JSON). ' +
    'Exit codes: 0 success (also when Ctrl-C ends --follow), 1 the runtime is not running, the component is not deployed, or the environment\'s target cannot be observed here, 2 usage (bad --since, unknown names).';
  static override examples = [
    '<%= config.bin %> logs --component notification-service/api --environment production --follow',
    '<%= config.bin %> logs --component notification-service/api --environment production --filter "ERROR" --since 1h',
    '<%= config.bin %> logs --component notification-service/api --environment production --search "email sent" --since 24h',
    '<%= config.bin %> logs --component notification-service/api --environment production --since 30m --filter "ERROR"',
    '<%= config.bin %> logs --component notification-service/api --environment development --since 2026-01-15T14:00:00Z --limit 500 --json',
  ];
  static override flags = {
    ...componentFlags,
    follow: Flags.boolean({ char: 'f', description: 'Keep streaming new lines until Ctrl-C.' }),
    filter: Flags.string({ description: 'Only lines with every term of this pattern (CloudWatch syntax): ERROR, "email sent", ERROR timeout.' }),
    search: Flags.string({ description: 'Only lines containing this text, case-insensitive.' }),
    since: Flags.string({ description: 'From this long ago (30m, 1h, 24h, 7d) or this ISO 8601 time (2026-01-15T14:30:00Z).' }),
    limit: Flags.integer({ description: `At most this many lines, the newest (default ${DEFAULT_LIMIT} without --since).`, min: 1 }),
  };

  async run() {
    const { flags } = await this.parse(Logs);
    // Loaded on use: oclif reads every command's flags at start-up.
    const { deployedState, observerFor, observing, parseSince, resolveComponentTarget } = await import('../observe');
    const { formatLogLine } = await import('../render/logs');
    const since = flags.since !== undefined ? parseSince(flags.since) : undefined;
    const root = findRepoRoot(flags.repo);
    const { ref, environment } = resolveComponentTarget({ root, component: flags.component, environment: flags.environment, stack: flags.stack });
    const observer = await observerFor(environment);
    await deployedState(observer, ref);
    const query = {
      since: since?.since.toISOString(),
      filter: flags.filter,
      search: flags.search,
      limit: flags.limit ?? (since ? undefined : DEFAULT_LIMIT),
    };

    if (!flags.follow) {
      const lines = await observing(ref, () => observer.logs(ref, query));
      if (!this.jsonEnabled()) {
        if (lines.length) this.log(lines.map(formatLogLine).join('\n'));
        else this.logToStderr(`No log lines of ${ref.service}/${ref.component} in ${ref.environment} match${since ? ` (${since.label})` : ''}.`);
      }
      return lines;
    }

    // Streams until Ctrl-C (or SIGTERM), which ends the command cleanly with exit 0.
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const json = this.jsonEnabled();
    try {
      this.logToStderr(`Following ${ref.service}/${ref.component} in ${ref.environment}; Ctrl-C to stop.`);
      await observing(ref, () => observer.followLogs(ref, query, (line) => ux.stdout(json ? JSON.stringify(line) : formatLogLine(line)), controller.signal));
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    if (!controller.signal.aborted) {
      throw new DeployerError('the log stream ended: the local runtime stopped or restarted. Check it with `deployer dev status`.', 'STREAM_ENDED');
    }
    return undefined;
  }
}
