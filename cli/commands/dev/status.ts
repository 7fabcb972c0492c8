import { BaseCommand } from '../../baseCommand';
import { renderDevStatus } from '../../render/devStatus';

export default class DevStatus extends BaseCommand {
  static override summary = 'Show what the local dev environment runs, where, and the Temporal UI URL.';
  static override examples = ['<%= config.bin %> dev status', '<%= config.bin %> dev status --json'];

  async run() {
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { devStatus } = await import('../../../src/devenv/devEnvironment');
    await this.parse(DevStatus);
    const status = await devStatus();
    this.log(renderDevStatus(status));
    return status;
  }
}
