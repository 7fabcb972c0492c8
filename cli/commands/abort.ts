import { BaseCommand } from '../baseCommand';
import { canaryFlags, decideCanary } from '../decideCanary';

export default class Abort extends BaseCommand {
  static override summary = "Abort a deployment's running canary: every request goes back to the stable version, and the deployment rolls back.";
  static override description =
    "Any approver of the service may abort, and so may the deployment's requester; the decision is signed with your SSH key like an approval. To undo a deployment that already finished, use `deployer rollback`. " +
    'Exit codes: 0 aborted, 1 refused or no canary runs, 2 usage.';
  static override examples = ['<%= config.bin %> abort --service notification-service --environment production --comment "p99 looks wrong"'];
  static override flags = canaryFlags;

  async run() {
    const { flags } = await this.parse(Abort);
    const canary = await decideCanary(flags, 'abort', flags.comment);
    this.log(`✓ Aborted the canary of ${canary.component} (${canary.canaryVersion}): ${canary.stableVersion} takes every request again and the deployment rolls back; follow it with deployer status --service ${flags.service} --environment ${flags.environment} --follow.`);
    return canary;
  }
}
