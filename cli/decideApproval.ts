import { Flags } from '@oclif/core';
import { ApprovalRefusedError, deploymentProgress, NotWaitingError } from '../src/temporal/deployClient';
import { ApprovalState, deployServiceWorkflowId } from '../src/temporal/deployment';
import { DeployerError, EXIT } from './baseCommand';
import { currentIdentity } from './identity';
import { findServiceStack } from '../src/client/locate';
import { findRepoRoot } from './repoFlags';
import { sendSignedDecision } from './signing';
import { connectTemporal, ConnectionFlags } from './temporalClient';

/** Flags `approve` and `reject` share: which waiting deployment. */
export const decisionFlags = {
  repo: Flags.string({ description: 'Deployment repo root (default: the nearest directory above the current one that has stacks/).', env: 'DEPLOYER_REPO' }),
  stack: Flags.string({ description: 'Stack (found from --service when omitted).' }),
  service: Flags.string({ description: 'Service whose deployment waits.', required: true }),
  environment: Flags.string({ char: 'e', description: 'Environment.', required: true }),
};

export interface DecisionFlags extends ConnectionFlags {
  repo?: string;
  stack?: string;
  service: string;
  environment: string;
}

/**
 * Sends an approver's decision to the waiting deployment as its approval Update. The workflow's
 * validator decides who may; its refusal comes back as the error message.
 */
export async function decideApproval(flags: DecisionFlags, approve: boolean, comment?: string): Promise<ApprovalState & { workflowId: string }> {
  const root = findRepoRoot(flags.repo);
  const stack = findServiceStack(root, flags.service, flags.stack);
  const workflowId = deployServiceWorkflowId(stack, flags.environment, flags.service);
  const identity = currentIdentity(process.env, root);
  const connection = await connectTemporal(flags);
  try {
    // The decision names the run and plan the deployment waits with now: what this approver decides on.
    const progress = await deploymentProgress(connection.client.workflow.getHandle(workflowId)).catch((error: Error) => {
      throw /not found|completed/i.test(error.message) ? new NotWaitingError(workflowId) : error;
    });
    const state = await sendSignedDecision(connection.client, progress, { approve, by: identity, comment }, root);
    return { ...state, workflowId };
  } catch (error) {
    if (error instanceof ApprovalRefusedError) throw new DeployerError(`${approve ? 'approval' : 'rejection'} refused: ${error.message}`, 'APPROVAL_REFUSED', EXIT.failure);
    if (error instanceof NotWaitingError) {
      throw new DeployerError(`no deployment of ${flags.service} in ${flags.environment} is waiting for approval (${workflowId} is not running)`, 'NOT_WAITING', EXIT.failure);
    }
    throw error;
  } finally {
    await connection.close();
  }
}
