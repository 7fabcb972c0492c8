import { BaseCommand } from '../../baseCommand';
import { stopDevEnvironment } from '../../../src/devenv/devEnvironment';

export default class DevStop extends BaseCommand {
  static override summary = 'Stop the dev server and worker that `deployer dev start` started.';
  static override examples = ['<%= config.bin %> dev stop'];

  async run() {
    await this.parse(DevStop);
    const stopped = await stopDevEnvironment();
    this.log(stopped.length ? `Stopped: ${stopped.join(', ')}` : 'Nothing was running.');
    return { stopped };
  }
}
