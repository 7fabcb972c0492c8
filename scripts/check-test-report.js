#!/usr/bin/env node
// Reads jest's JSON reports (one per jest run) and fails the run when a report is missing, a test
// failed or was skipped, or no integration test ran:
// the integration tests are the proof that the real engines work here, so skipping them is a failure.
// Ends with the run's wall time: jest's, and the whole `npm test`'s when its start is given
// (NPM_TEST_STARTED_MS, milliseconds since the epoch, which package.json's test script sets).
'use strict';

const fs = require('node:fs');

const reports = process.argv.slice(2).map((file) => JSON.parse(fs.readFileSync(file, 'utf8')));
const sum = (key) => reports.reduce((total, report) => total + report[key], 0);
const [numPassedTests, numFailedTests, numPendingTests, numTodoTests] = ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests'].map(sum);
const integrationRan = reports.some((report) =>
  report.testResults.some((suite) => /\.(integration|e2e)\.test\.ts$/.test(suite.name) && suite.assertionResults.some((test) => test.status === 'passed')),
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
console.log(`wall time: jest ${seconds(Math.min(...reports.map((report) => report.startTime)))}${started ? `, npm test ${seconds(started)}` : ''}`);
process.exit(!problem && numFailedTests === 0 && reports.every((report) => report.success) ? 0 : 1);
