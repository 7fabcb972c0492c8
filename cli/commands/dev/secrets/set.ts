import { Args } from '@oclif/core';
import { BaseCommand } from '../../../baseCommand';
import { readSecretValue } from '../../../secretInput';
import { isValidSecretName, localSecretsFile, setLocalSecret } from '../../../../src/targets/local/localSecrets';
import { DeployerError } from '../../../../src/errors';

export default class DevSecretsSet extends BaseCommand {
  static override summary = 'Store a secret for the local target; the next deployment uses it, no restart needed.';
  static override description =
    'Stores the value of a `secretFrom: { secret: NAME }` for the local target in the secrets file under the state dir (owner-only). ' +
    'The value is read from stdin when piped, otherwise typed at a prompt that does not show it; never from the command line, and never printed. ' +
    'The worker reads the file at each deployment; a name stored there wins over an environment variable of the worker with the same name. Exit codes: 0 stored, 1 cancelled, 2 usage (bad name, empty value).';
  static override examples = ['<%= config.bin %> dev secrets set STRIPE_API_KEY', 'pass show stripe/test | <%= config.bin %> dev secrets set STRIPE_API_KEY'];
  static override args = {
    name: Args.string({ description: 'The secret\'s name, as secretFrom.secret writes it.', required: true }),
  };

  async run() {
    const { args } = await this.parse(DevSecretsSet);
    if (!isValidSecretName(args.name)) throw new DeployerError(`"${args.name}" is not a valid secret name: use letters, digits and _ . / : @ -`, 'INVALID_SECRET_NAME');
    setLocalSecret(args.name, await readSecretValue(args.name));
    this.log(`✓ Stored secret ${args.name} in ${localSecretsFile()}; the next deployment on the local target uses it.`);
    return { name: args.name, file: localSecretsFile() };
  }
}
