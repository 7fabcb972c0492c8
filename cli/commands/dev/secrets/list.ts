import { BaseCommand } from '../../../baseCommand';
import { localSecretNames, localSecretsFile } from '../../../../src/targets/local/localSecrets';

export default class DevSecretsList extends BaseCommand {
  static override summary = 'List the names of the secrets stored for the local target (never their values).';
  static override description = 'Only the secrets file under the state dir: the worker\'s environment variables are not visible from here. JSON: `{file, names}`. Exit code 0.';
  static override examples = ['<%= config.bin %> dev secrets list', '<%= config.bin %> dev secrets list --json'];

  async run() {
    await this.parse(DevSecretsList);
    const names = localSecretNames();
    this.log(names.length ? names.join('\n') : `No secrets stored in ${localSecretsFile()}.`);
    return { file: localSecretsFile(), names };
  }
}
