import { BaseCommand } from '../baseCommand';
import { canaryFlags, decideCanary } from '../decideCanary';

export default class Promote extends BaseCommand {
  static override summary = "Promote a deployment's canary that waits at a manual step (`pause: manual`): it goes on to its next step.";
  static override description =
    'The same people may promote as may approve the service\'s deployments (its approvers; the requester only where self-approval is allowed), through the channels the environment allows; the decision is signed with your SSH key like an approval. ' +
    'Exit codes: 0 promoted, 1 refused or no canary waits, 2 usage.';
  static override examples = ['<%= config.bin %> promote --service notification-service --environment production', '<%= config.bin %> promote --service notification-service --environment production --component api --comment "figures look right"'];
  static override flags = canaryFlags;

  async run() {
    const { flags } = await this.parse(Promote);
    const canary = await decideCanary(flags, 'promote', flags.comment);
    const step = canary.steps[canary.steps.length - 1];
    this.log(`✓ Promoted the canary of ${canary.component} (${canary.canaryVersion}) past step ${step?.step} (${step?.weight}%); follow it with deployer status --service ${flags.service} --environment ${flags.environment} --follow.`);
    return canary;
  }
}
