// Not a workflow itself, so workflows/index.ts does not export it.
import { ApplicationFailure } from '@temporalio/workflow';
import type { DeploymentPolicy } from '../src/model/types';
import type { ApprovalDecision } from '../src/temporal/deployment';
import { quick } from './activityOptions';

/**
 * The proof side of a decision Update (an approval, a promote or abort): the nonces already sent, so
 * a replayed decision counts once, and the worker's check of its signature, one decision at a time.
 */
export class DecisionProofs {
  readonly usedNonces = new Set<string>();
  private verifying = false;

  /** For validators: refuses a decision while another one's proof is being checked. */
  assertIdle(): void {
    if (this.verifying) throw new Error('another decision is being verified; try again in a moment');
  }

  /** For handlers: spends the decision's nonce and has the worker check its signature (OpenSSH, HMAC) under the policy. */
  async prove(proposed: ApprovalDecision, policy: DeploymentPolicy): Promise<void> {
    this.usedNonces.add(proposed.claims.nonce);
    this.verifying = true;
    try {
      const problem = await quick.verifyDecision({ decision: proposed, policy });
      if (problem) throw ApplicationFailure.nonRetryable(problem, 'DecisionNotProven');
    } finally {
      this.verifying = false;
    }
  }
}
