import { ApplicationFailure, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { DesiredStack } from '../src/model/types';
import type { ReleaseRecord } from '../src/releases/releaseRecord';
import { deployServiceWorkflowId, DeployServiceInput, DeployServiceResult, DEPLOY_SERVICE_WORKFLOW } from '../src/temporal/deployment';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';

// Workflows that deploy a service through deployService as a child (stack deploys, rollbacks,
// drift remediation) share these: the child holds the service's lock like any apply.

const NO_SOURCE = { file: '', line: 0, col: 0 };

/** The desired state of one service as a release recorded it: components, service and environment settings. */
export function desiredFromRelease(stack: string, environment: string, service: string, release: ReleaseRecord): DesiredStack {
  return {
    stack,
    environment: { name: environment, spec: release.environmentSpec },
    services: [{ name: service, stack, spec: release.serviceSpec, annotations: {}, components: release.components.map((component) => ({ ...component, source: NO_SOURCE })), source: NO_SOURCE }],
    groups: release.groups,
    // Rollbacks and remediations do not wait for approval: nobody is mapped from Slack.
    slackUsers: {},
    githubUsers: {},
    commit: release.commit,
    variables: {},
  };
}

/**
 * Runs deployService for `input.service` as a child and returns its result. A running deployment of
 * the service (the lock) fails this with a non-retryable `ServiceLocked` naming its workflow id.
 */
export async function deployServiceChild(input: DeployServiceInput): Promise<DeployServiceResult> {
  const { desired } = input;
  const workflowId = deployServiceWorkflowId(desired.stack, desired.environment.name, input.service);
  const child = await startChild(DEPLOY_SERVICE_WORKFLOW, {
    workflowId,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    args: [input],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: desired.stack },
      { key: SEARCH_ATTRIBUTE_KEYS.Service, value: input.service },
      { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: desired.environment.name },
      { key: SEARCH_ATTRIBUTE_KEYS.Version, value: input.version },
      { key: SEARCH_ATTRIBUTE_KEYS.DeployedBy, value: input.requestedBy },
      { key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: 'planning' },
    ],
  }).catch((error: unknown) => {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw ApplicationFailure.nonRetryable(`${input.service} in ${desired.environment.name} is locked by a running deployment (${workflowId})`, 'ServiceLocked', workflowId);
    }
    throw error;
  });
  return (await child.result()) as DeployServiceResult;
}
