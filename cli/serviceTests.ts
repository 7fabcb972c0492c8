// `deployer test`: a service's tests from its service.yaml, run by the worker through the runTests
// workflow against what is deployed in the environment.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { RunTestsInput, TestResult } from '../src/temporal/deployment';
import { RUN_TESTS_WORKFLOW } from '../src/temporal/deployment';
import { deployerTaskQueue } from '../src/temporal/taskQueue';
import { applyNextStep } from '../src/client/applyCommand';
import { DeployerError, rootCause } from '../src/errors';
import { resultThroughOutages } from '../src/temporal/workflowResult';

export function testWorkflowId(input: { stack: string; environment: string; service: string }): string {
  return `test/${input.stack}/${input.environment}/${input.service}/${crypto.randomBytes(4).toString('hex')}`;
}

export interface RunTestsOptions {
  namespace: string;
  workflowId?: string;
  onStarted?: (workflowId: string) => void;
}

/**
 * Starts runTests and waits for its results. Refuses at once when no worker polls the task queue
 * (the workflow would wait for one forever), and turns the worker's "never deployed" into the apply to run.
 */
export async function runTestsWorkflow(client: Client, input: RunTestsInput, options: RunTestsOptions): Promise<{ workflowId: string; results: TestResult[] }> {
  const taskQueue = deployerTaskQueue();
  const { pollers } = await client.workflowService.describeTaskQueue({ namespace: options.namespace, taskQueue: { name: taskQueue } });
  if (pollers.length === 0) {
    throw new DeployerError(
      `no deployer worker polls task queue "${taskQueue}" in namespace ${options.namespace}, so nothing would run the tests. Start the local one with \`deployer dev start\` (see \`deployer dev status\`).`,
      'NO_WORKER',
    );
  }
  const workflowId = options.workflowId ?? testWorkflowId(input);
  const handle = await client.workflow.start(RUN_TESTS_WORKFLOW, { workflowId, taskQueue, args: [input] });
  options.onStarted?.(workflowId);
  try {
    return { workflowId, results: await resultThroughOutages<TestResult[]>(handle) };
  } catch (error) {
    throw testsFailure(error, input, workflowId);
  }
}

export function testsFailure(error: unknown, input: RunTestsInput, workflowId: string): DeployerError {
  const cause = rootCause(error);
  if (cause.type === 'NotDeployed') {
    return new DeployerError(`${cause.message}. Deploy it first: ${applyNextStep(input)}`, 'NOT_DEPLOYED');
  }
  return new DeployerError(`the tests of ${input.service} in ${input.environment} could not run: ${cause.message} (workflow ${workflowId})`, 'TESTS_NOT_RUN');
}
