// Not a workflow itself, so workflows/index.ts does not export it.
import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { DeploymentPolicy } from '../src/model/types';
import { approvalProblem, approverIdentities, slackIdentity } from '../src/temporal/approval';
import type { ApprovalDecision, ApprovalState, DeploymentProgress, SlackApprover } from '../src/temporal/deployment';
import { DecisionProofs } from './decisionProofs';

/**
 * The approval of one deployService run: the handlers of the approval Update and the Slack
 * approver query, and the wait for a decision. Who may decide comes from the reviewed branch of the
 * deployment repo, never from what the requester sent: an uncommitted edit of the approval
 * settings changes nothing.
 */
export class ApprovalDecisions {
  private decision?: ApprovalDecision;
  private readonly proofs = new DecisionProofs();

  constructor(
    private readonly progress: DeploymentProgress,
    private readonly policy: DeploymentPolicy | undefined,
    private readonly deployment: { workflowId: string; runId: string; requestedBy: string; service: string },
  ) {}

  /** The Slack app maps the clicking user with the reviewed deployer.yaml, the same policy the approvers, groups and keys come from. */
  slackApprover(slackUserId: string): SlackApprover {
    const { policy } = this;
    return { identity: policy ? slackIdentity(policy, slackUserId) : undefined, approvers: policy ? approverIdentities(policy) : [] };
  }

  /** The Update's validator: a refused decision never enters the workflow's history. */
  validate(proposed: ApprovalDecision): void {
    const { progress, policy } = this;
    if (progress.phase !== 'awaiting-approval' || !policy) throw new Error(`this deployment is not waiting for approval (it is ${progress.phase})`);
    this.proofs.assertIdle();
    const problem = approvalProblem(proposed, {
      workflowId: this.deployment.workflowId,
      runId: this.deployment.runId,
      planHash: progress.approval.planHash ?? '',
      requestedBy: this.deployment.requestedBy,
      service: this.deployment.service,
      policy,
      usedNonces: this.proofs.usedNonces,
      now: Date.now(),
    });
    if (problem) throw new Error(problem);
  }

  /** The Update's handler: takes the decision once the worker has checked its proof. */
  async decide(proposed: ApprovalDecision): Promise<ApprovalState> {
    const { progress } = this;
    // A proof the worker refuses fails this Update only.
    await this.proofs.prove(proposed, this.policy!);
    if (progress.phase !== 'awaiting-approval' || this.decision) throw ApplicationFailure.nonRetryable(`this deployment is not waiting for approval any more (it is ${progress.phase})`, 'NotWaiting');
    this.decision = proposed;
    const { approve, by, channel, comment } = proposed.claims;
    progress.approval.decision = { approve, by, channel, comment, at: new Date().toISOString() };
    return progress.approval;
  }

  /** The decision taken within `timeoutMs`, or undefined when none came. */
  async wait(timeoutMs: number): Promise<ApprovalDecision | undefined> {
    return (await condition(() => this.decision !== undefined, timeoutMs)) ? this.decision : undefined;
  }
}
