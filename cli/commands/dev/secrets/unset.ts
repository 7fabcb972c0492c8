import { Args } from '@oclif/core';
import { BaseCommand } from '../../../baseCommand';
import { unsetLocalSecret } from '../../../../src/targets/local/localSecrets';

export default class DevSecretsUnset extends BaseCommand {
  static override summary = 'Remove a secret stored for the local target (an environment variable of the worker with its name applies again).';
  static override examples = ['<%= config.bin %> dev secrets unset STRIPE_API_KEY'];
  static override args = {
    name: Args.string({ description: 'The secret\'s name.', required: true }),
  };

  async run() {
    const { args } = await this.parse(DevSecretsUnset);
    const removed = unsetLocalSecret(args.name);
    this.log(removed ? `✓ Removed secret ${args.name}.` : `No secret ${args.name} was stored.`);
    return { name: args.name, removed };
  }
}
