import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { componentFlags, findRepoRoot } from '../flags';

export default class Exec extends BaseCommand {
  static override summary = 'Run a command (or a shell) in a replica of a MicroService: its environment variables, its working directory.';
  static override description =
    'With --command, runs it with /bin/sh -c and passes its output through; without, opens an interactive shell (only from a terminal). ' +
    'The replica is the first healthy one unless --replica names one (see `deployer health`). --json runs the command with its output captured: {replica, exitCode, stdout, stderr}. ' +
    'Exit codes: the command\'s own exit code; otherwise 1 the runtime is not running, the component is not deployed, or the environment\'s target cannot be observed here, 2 usage (no --command without a terminal, not a MicroService, unknown replica).';
  static override examples = [
    '<%= config.bin %> exec --component notification-service/api --environment production --command "/bin/sh"',
    '<%= config.bin %> exec --component notification-service/api --environment production --command "curl -s http://localhost:$PORT/health"',
    '<%= config.bin %> exec --component notification-service/api --environment staging --replica api-3f2a1b --command "cat $CONFIG_DIR/app.yaml"',
    '<%= config.bin %> exec --component notification-service/api --environment development',
  ];
  static override flags = {
    ...componentFlags,
    command: Flags.string({ char: 'c', description: 'Command line to run (with /bin/sh -c); an interactive shell when omitted.' }),
    replica: Flags.string({ description: 'Replica to run in (default: the first healthy one).' }),
  };

  async run() {
    const { flags } = await this.parse(Exec);
    const { checkExecRequest, runExec } = await import('../exec');
    const json = this.jsonEnabled();
    checkExecRequest({ command: flags.command, json, interactive: Boolean(process.stdin.isTTY) });
    const root = findRepoRoot(flags.repo);
    const result = await runExec({ root, component: flags.component, environment: flags.environment, stack: flags.stack, command: flags.command, replica: flags.replica, capture: json }, {
      onShell: (replica) => this.logToStderr(`Shell in replica ${replica}; exit to leave.`),
    });
    process.exitCode = result.exitCode;
    return result;
  }
}
