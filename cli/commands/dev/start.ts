import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { renderDevStatus } from '../../render/devStatus';

export default class DevStart extends BaseCommand {
  static override summary = 'Start the local Temporal dev server, the local target runtime and a deployer worker in the background.';
  static override description = 'State (the Temporal database, Pulumi state, logs) lives under .deployer/ (DEPLOYER_HOME overrides it). Starting twice is harmless: what already runs is left alone.';
  static override examples = ['<%= config.bin %> dev start', '<%= config.bin %> dev start --port 7300 --ui-port 8300'];
  static override flags = {
    port: Flags.integer({ description: 'Temporal gRPC port.', default: 7233 }),
    'ui-port': Flags.integer({ description: 'Temporal Web UI port.', default: 8233 }),
  };

  async run() {
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { startDevEnvironment } = await import('../../../src/devenv/devEnvironment');
    const { flags } = await this.parse(DevStart);
    this.logToStderr('Starting the Temporal dev server, the local runtime and the deployer worker...');
    const status = await startDevEnvironment({ port: flags.port, uiPort: flags['ui-port'] });
    this.log(renderDevStatus(status));
    return status;
  }
}
