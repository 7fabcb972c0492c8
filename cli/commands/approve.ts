import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { decideApproval, decisionFlags } from '../decideApproval';

export default class Approve extends BaseCommand {
  static override summary = 'Approve a deployment that waits for you (you must be one of the approvers of its service).';
  static override description = 'Identity comes from DEPLOYER_USER, then git config user.email. The CLI only claims who you are; environments that need proof accept approvals through the Slack app only (see docs/cli.md, trust model).';
  static override examples = ['<%= config.bin %> approve --service notification-service --environment production', '<%= config.bin %> approve --service notification-service --environment production --comment "looks good"'];
  static override flags = {
    ...decisionFlags,
    comment: Flags.string({ description: 'Recorded with the decision.' }),
  };

  async run() {
    const { flags } = await this.parse(Approve);
    const state = await decideApproval(flags, true, flags.comment);
    this.log(`✓ Approved ${flags.service} in ${flags.environment} as ${state.decision?.by}; the deployment continues (deployer status --service ${flags.service} --environment ${flags.environment} --follow).`);
    return state;
  }
}
