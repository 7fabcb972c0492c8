import { box } from '../../src/client/render/box';
import { elapsed, table } from '../../src/client/render/format';

export interface TestResultLine {
  name: string;
  passed: boolean;
  detail: string;
  durationMs: number;
}

/** `deployer test`: ✓/✗ per test with its detail and duration, then the count. */
export function renderTestResults(service: string, environment: string, results: TestResultLine[]): string {
  const title = `Tests: ${service} (${environment})`;
  if (results.length === 0) return box(title, [`${service} has no tests (spec.tests in its service.yaml).`]);
  const failed = results.filter((result) => !result.passed).length;
  const rows = table(results.map((result) => [`${result.passed ? '✓' : '✗'} ${result.name}`, result.detail, `(${elapsed(result.durationMs)})`]), 3);
  const summary = failed ? `✗ ${failed} of ${results.length} failed` : `✓ ${results.length} passed`;
  return box(title, rows, [summary]);
}
