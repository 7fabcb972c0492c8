// `deployer decommission`: starts the decommissionService workflow and says what it removed.
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DECOMMISSION_SERVICE_WORKFLOW, DecommissionServiceInput, decommissionWorkflowId, DeployServiceResult } from '../src/temporal/deployment';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import { printable } from '../src/client/render/format';
import { signedRequest } from './signing';
import { parseComponentId } from '../src/model/componentRef';

export async function startDecommission(client: Client, request: Omit<DecommissionServiceInput, 'request'>, now = new Date()): Promise<WorkflowHandleWithFirstExecutionRunId> {
  // Signed whenever a key is at hand: where approval is required only a proven requester may ask.
  const signed = await signedRequest({ action: 'decommission', stack: request.stack, environment: request.environment, version: 'all', requestedBy: request.requestedBy }, true);
  return client.workflow.start(DECOMMISSION_SERVICE_WORKFLOW, {
    workflowId: decommissionWorkflowId(request.stack, request.environment, request.service, now),
    taskQueue: deployerTaskQueue(),
    args: [{ ...request, request: signed }],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: request.stack },
      { key: SEARCH_ATTRIBUTE_KEYS.Service, value: request.service },
      { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: request.environment },
      { key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: request.requestedBy },
    ],
  });
}

/** What the user reads of a decommission's result. */
export function decommissionOutcome(result: DeployServiceResult): string {
  const { progress } = result;
  const removed = (progress.plan?.deletions ?? []).map((change) => parseComponentId(change.id)?.component ?? change.id).join(', ');
  const text =
    result.phase === 'succeeded'
      ? `✓ ${progress.service} decommissioned in ${progress.environment}: removed ${removed || 'nothing'}.`
      : `✗ ${progress.service} was not decommissioned in ${progress.environment} (${result.phase}): ${result.reason ?? 'see deployer history'}`;
  return printable(text);
}
