#!/usr/bin/env node
// Reads jest's JSON report and fails the run when a test was skipped or no integration test ran:
// the integration tests are the proof that the real engines work here, so skipping them is a failure.
// Ends with the run's wall time: jest's, and the whole `npm test`'s when its start is given
// (NPM_TEST_STARTED_MS, milliseconds since the epoch, which package.json's test script sets).
'use strict';

const fs = require('node:fs');

const report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = report;
const integrationRan = report.testResults.some(
  (suite) => /\.(integration|e2e)\.test\.ts$/.test(suite.name) && suite.assertionResults.some((test) => test.status === 'passed'),
);

console.log(`jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped`);
const problem =
  numPendingTests + numTodoTests > 0
    ? 'test report: skipped tests are not allowed; every test must run.'
    : !integrationRan
      ? 'test report: no integration test ran; the real Temporal and Pulumi engines were not exercised.'
      : undefined;
if (problem) console.error(problem);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(0)} s`;
const started = Number(process.env.NPM_TEST_STARTED_MS);
console.log(`wall time: jest ${seconds(report.startTime)}${started ? `, npm test ${seconds(started)}` : ''}`);
process.exit(!problem && numFailedTests === 0 && report.success ? 0 : 1);
