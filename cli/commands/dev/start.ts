import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { renderDevStatus } from '../../render/devStatus';

export default class DevStart extends BaseCommand {
  static override summary = 'Start the local Temporal dev server, the local target runtime and a deployer worker in the background.';
  static override description = 'State (the Temporal database, Pulumi state, logs) lives under .deployer/ (DEPLOYER_HOME overrides it). Starting twice is harmless: what already runs is left alone.';
  static override examples = ['<%= config.bin %> dev start', '<%= config.bin %> dev start --port 7300 --ui-port 8300', '<%= config.bin %> dev start --state postgres'];
  static override flags = {
    port: Flags.integer({ description: 'Temporal gRPC port.', default: 7233 }),
    'ui-port': Flags.integer({ description: 'Temporal Web UI port.', default: 8233 }),
    'http-port': Flags.integer({ description: 'Temporal HTTP API port (history, show and plan read through it). Default: the gRPC port + 10 when free, else any free port.' }),
    state: Flags.string({
      description: 'Where the worker keeps releases, drift findings and Pulumi state: files under the state dir, or a local PostgreSQL (team mode on one machine: more workers may join with DEPLOYER_STATE_URL). Remembered for this state dir.',
      options: ['file', 'postgres'],
    }),
  };

  async run() {
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { startDevEnvironment } = await import('../../../src/devenv/devEnvironment');
    const { flags } = await this.parse(DevStart);
    this.logToStderr('Starting the Temporal dev server, the local runtime and the deployer worker...');
    const status = await startDevEnvironment({ port: flags.port, uiPort: flags['ui-port'], httpPort: flags['http-port'], state: flags.state as 'file' | 'postgres' | undefined });
    this.log(renderDevStatus(status));
    return status;
  }
}
