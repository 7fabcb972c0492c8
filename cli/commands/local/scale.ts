import { Flags } from '@oclif/core';
import { BaseCommand } from '../../baseCommand';
import { componentFlag, environmentFlag, findRepoRoot, repoFlag, stackFlag } from '../../flags';

export default class LocalScale extends BaseCommand {
  static override summary = 'Scale a local MicroService behind deployer\'s back, as someone in the AWS console would: an out-of-band change, to show drift.';
  static override description =
    'An out-of-band change: the local runtime runs the new replica count at once, but the deployment repo and deployer\'s records still say otherwise, so `deployer drift detect` reports it and the next `deployer apply` restores the desired count. ' +
    'The stack is the one holding the service unless --stack says otherwise. Only environments whose target is local; the runtime (`deployer dev start`) must be running. ' +
    'Exit codes: 0 scaled (or already at that count), 1 the runtime is not running, the component is not deployed or did not converge, 2 usage (unknown or ambiguous names, not a MicroService, not a local environment).';
  static override examples = [
    '<%= config.bin %> local scale --component notification-service/api --environment development --replicas 3',
    '<%= config.bin %> local scale --component notification-service/api --environment development --replicas 1 --stack user-platform --json',
    'DEPLOYER_USER=ana@example.com <%= config.bin %> local scale --component user-service/api -e development --replicas 0',
  ];
  static override flags = {
    repo: repoFlag(),
    component: componentFlag({ description: 'The MicroService to scale, as <service>/<component>.', required: true }),
    environment: environmentFlag({ description: 'Environment (its target must be local).', required: true }),
    replicas: Flags.integer({ description: 'Replica count to run (0 or more).', required: true, min: 0 }),
    stack: stackFlag(),
  };

  async run() {
    const { flags } = await this.parse(LocalScale);
    // Loaded on use: oclif reads every command's flags at start-up.
    const { resolveScaleTarget, scaleComponent, renderScale } = await import('../../localScale');
    const { currentIdentity } = await import('../../identity');
    const root = findRepoRoot(flags.repo);
    const ref = resolveScaleTarget({ root, component: flags.component, environment: flags.environment, stack: flags.stack });
    const outcome = await scaleComponent(ref, flags.replicas, currentIdentity(process.env, root), {
      onScaling: (from, to) => this.logToStderr(`Scaling ${ref.service}/${ref.component} in ${ref.environment} from ${from} to ${to} outside deployer; waiting for the replicas to be healthy...`),
    });
    this.log(renderScale(outcome));
    return outcome.state;
  }
}
