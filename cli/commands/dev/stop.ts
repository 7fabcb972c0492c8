import { BaseCommand } from '../../baseCommand';

export default class DevStop extends BaseCommand {
  static override summary = 'Stop the dev server and worker that `deployer dev start` started.';
  static override examples = ['<%= config.bin %> dev stop'];

  async run() {
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { stopDevEnvironment } = await import('../../../src/devenv/devEnvironment');
    await this.parse(DevStop);
    const stopped = await stopDevEnvironment();
    this.log(stopped.length ? `Stopped: ${stopped.join(', ')}` : 'Nothing was running.');
    return { stopped };
  }
}
