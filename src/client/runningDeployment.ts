// Whether a service is being deployed, and where that deployment is: what `deployer status` and the
// Slack app's `/deployer status` show under the service's box.
import type { Client } from '@temporalio/client';
import { isRunning } from '../temporal/deployClient';
import { deployServiceWorkflowId, progressQuery } from '../temporal/deployment';
import type { RunningDeployment } from './render/status';
import { withTimeout } from '../withTimeout';

/** A query is answered by a worker in milliseconds; without one polling it would wait much longer. */
const PROGRESS_QUERY_TIMEOUT_MS = 3000;

/**
 * The service's running deployment, or undefined when none runs. Temporal failing to answer whether
 * one runs is thrown as it is (never taken for "nothing is deploying"); the deployment not answering
 * where it is (it ended meanwhile, no worker polls) leaves `progress` undefined.
 */
export async function serviceDeployment(client: Client, stack: string, environment: string, service: string): Promise<{ workflowId: string; progress?: RunningDeployment } | undefined> {
  const workflowId = deployServiceWorkflowId(stack, environment, service);
  if (!(await isRunning(client, workflowId))) return undefined;
  const asked = client.workflow
    .getHandle(workflowId)
    .query(progressQuery)
    .then(({ version, requestedBy, phase, startedAt, canaries }): RunningDeployment => ({ version, requestedBy, phase, startedAt, canaries }))
    .catch(() => undefined);
  return { workflowId, progress: await withTimeout(asked, PROGRESS_QUERY_TIMEOUT_MS) };
}
