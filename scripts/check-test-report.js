#!/usr/bin/env node
// Reads jest's JSON report and fails the run when a test was skipped or no integration test ran:
// the integration tests are the proof that the real engines work here, so skipping them is a failure.
'use strict';

const fs = require('node:fs');

const report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = report;
const integrationRan = report.testResults.some(
  (suite) => /\.(integration|e2e)\.test\.ts$/.test(suite.name) && suite.assertionResults.some((test) => test.status === 'passed'),
);

console.log(`jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped`);
if (numPendingTests + numTodoTests > 0) {
  console.error('test report: skipped tests are not allowed; every test must run.');
  process.exit(1);
}
if (!integrationRan) {
  console.error('test report: no integration test ran; the real Temporal and Pulumi engines were not exercised.');
  process.exit(1);
}
process.exit(numFailedTests === 0 && report.success ? 0 : 1);
