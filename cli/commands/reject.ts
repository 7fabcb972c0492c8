import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';

export default class Reject extends BaseCommand {
  static override summary = 'Reject a deployment that waits for approval; it ends without deploying anything.';
  static override description = 'Identity comes from DEPLOYER_USER, then git config user.email. The CLI only claims who you are; environments that need proof accept approvals through the Slack app only (see docs/cli.md, trust model).';
  static override examples = ['<%= config.bin %> reject --service notification-service --environment production', '<%= config.bin %> reject --service notification-service --environment production --reason "looks good"'];
  static override flags = {
    repo: Flags.string({ description: 'Deployment repo root (default: the nearest directory above the current one that has stacks/).', env: 'DEPLOYER_REPO' }),
    stack: Flags.string({ description: 'Stack (found from --service when omitted).' }),
    service: Flags.string({ description: 'Service whose deployment waits.', required: true }),
    environment: Flags.string({ char: 'e', description: 'Environment.', required: true }),
    reason: Flags.string({ description: 'Recorded with the decision.' }),
  };

  async run() {
    const { flags } = await this.parse(Reject);
    const { decideApproval } = await import('../decideApproval');
    const state = await decideApproval(flags, false, flags.reason);
    this.log(`✓ Rejected ${flags.service} in ${flags.environment} as ${state.decision?.by}; nothing was deployed.`);
    return state;
  }
}
