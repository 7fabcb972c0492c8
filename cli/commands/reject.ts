import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { decideApproval, decisionFlags } from '../decideApproval';

export default class Reject extends BaseCommand {
  static override summary = 'Reject a deployment that waits for approval; it ends without deploying anything.';
  static override description = 'Identity comes from DEPLOYER_USER, then git config user.email. The CLI only claims who you are; environments that need proof accept approvals through the Slack app only (see docs/cli.md, trust model).';
  static override examples = ['<%= config.bin %> reject --service notification-service --environment production', '<%= config.bin %> reject --service notification-service --environment production --reason "error budget is spent this week"'];
  static override flags = {
    ...decisionFlags,
    reason: Flags.string({ description: 'Recorded with the decision.' }),
  };

  async run() {
    const { flags } = await this.parse(Reject);
    const state = await decideApproval(flags, false, flags.reason);
    this.log(`✓ Rejected ${flags.service} in ${flags.environment} as ${state.decision?.by}; nothing was deployed.`);
    return state;
  }
}
