import { proxyActivities } from '@temporalio/workflow';
import type { DeployerActivities } from '../activities';
import type { RunTestsInput } from '../src/temporal/deployment';

const tests = proxyActivities<DeployerActivities>({ startToCloseTimeout: '1 hour', heartbeatTimeout: '10 minutes', retry: { maximumAttempts: 1 } });

/** Runs a service's tests from service.yaml against what is deployed; results per test. */
export async function runTests(input: RunTestsInput) {
  return tests.runServiceTests(input);
}
