import type { RunTestsInput } from '../src/temporal/deployment';
import { serviceTests } from './activityOptions';

/** Runs a service's tests from service.yaml against what is deployed; results per test. */
export async function runTests(input: RunTestsInput) {
  return serviceTests.runServiceTests(input);
}
