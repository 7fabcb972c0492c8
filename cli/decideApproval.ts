import { deploymentProgress } from '../src/temporal/deployClient';
import type { Client } from '@temporalio/client';
import { ApprovalState, deployServiceWorkflowId, DeploymentProgress } from '../src/temporal/deployment';
import { currentIdentity } from './identity';
import { findServiceStack } from '../src/client/locate';
import { sendSignedDecision } from './signing';
import { connectTemporal, ConnectionFlags } from './temporalClient';
import { ApprovalRefusedError, DeployerError, NotWaitingError } from '../src/errors';
import { environmentFlag, findRepoRoot, repoFlag, serviceFlag, stackFlag } from './flags';

/** Flags `approve` and `reject` share: which waiting deployment. */
export const decisionFlags = {
  repo: repoFlag(),
  stack: stackFlag({ description: 'Stack (found from --service when omitted).' }),
  service: serviceFlag({ description: 'Service whose deployment waits.', required: true }),
  environment: environmentFlag({ required: true }),
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
export function decideApproval(flags: DecisionFlags, approve: boolean, comment?: string): Promise<ApprovalState & { workflowId: string }> {
  return decideOnDeployment(flags, { refused: approve ? 'approval' : 'rejection', notRunning: 'is waiting for approval' }, (client, progress, identity, root) =>
    // The decision names the run and plan the deployment waits with now: what this approver decides on.
    sendSignedDecision(client, progress, { approve, by: identity, comment }, root),
  );
}

/**
 * A decision on the service's running deployment (an approval, or a promote / abort of its canary):
 * `decide` signs and sends it with the deployment's progress as it is now. A refusal by the
 * workflow's validator, or no deployment running, is an error that says so in `words`.
 */
export async function decideOnDeployment<T>(
  flags: DecisionFlags,
  words: { refused: string; notRunning: string },
  decide: (client: Client, progress: DeploymentProgress, identity: string, root: string) => Promise<T>,
): Promise<T & { workflowId: string }> {
  const root = findRepoRoot(flags.repo);
  const stack = findServiceStack(root, flags.service, flags.stack);
  const workflowId = deployServiceWorkflowId(stack, flags.environment, flags.service);
  const identity = currentIdentity(process.env, root);
  const connection = await connectTemporal(flags);
  try {
    const progress = await deploymentProgress(connection.client.workflow.getHandle(workflowId)).catch((error: Error) => {
      throw /not found|completed/i.test(error.message) ? new NotWaitingError(workflowId) : error;
    });
    return { ...(await decide(connection.client, progress, identity, root)), workflowId };
  } catch (error) {
    if (error instanceof ApprovalRefusedError) throw new DeployerError(`${words.refused} refused: ${error.message}`, 'APPROVAL_REFUSED');
    if (error instanceof NotWaitingError) throw new DeployerError(`no deployment of ${flags.service} in ${flags.environment} ${words.notRunning} (${workflowId} is not running)`, 'NOT_WAITING');
    throw error;
  } finally {
    await connection.close();
  }
}
