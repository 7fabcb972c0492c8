// Three projects: fast unit tests of our own logic, workflow tests on Temporal's time-skipping test
// server with fake activities, and integration tests that drive the real
// Temporal dev server and the real Pulumi engine (started by test/integration/globalSetup.ts).
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] };

/** @type {import('jest').Config} */
module.exports = {
  // A global option: Temporal bundling and Pulumi operations take seconds, not milliseconds.
  testTimeout: 180000,
  // Four files at a time on two cores: integration files spend much of their time waiting (health
  // checks, monitor windows, servers starting, a killed worker's heartbeat timeout), so with three
  // the cores sat a fifth idle; `npm test` runs every project in one jest run, so unit files fill
  // those gaps too. Each integration file has a state dir and a local runtime of its own
  // (fileEnvironment.ts); they share the dev server, each jest worker in a namespace of its own
  // (namespaces.ts) and each file on a task queue of its own.
  maxWorkers: 4,
  // The files that mostly wait start first, each followed by two that compute (test/sequencer.js).
  testSequencer: '<rootDir>/test/sequencer.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      // Workflow code on the time-skipping test server, every activity faked: each file starts its own server.
      displayName: 'workflows',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
      globalSetup: '<rootDir>/test/workflows/globalSetup.ts',
      globalTeardown: '<rootDir>/test/workflows/globalTeardown.ts',
    },
    {
      displayName: 'integration',
      testEnvironment: '<rootDir>/test/integration/fileEnvironment.ts',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.integration.test.ts', '<rootDir>/test/e2e/**/*.e2e.test.ts'],
      globalSetup: '<rootDir>/test/integration/globalSetup.ts',
      globalTeardown: '<rootDir>/test/integration/globalTeardown.ts',
      slowTestThreshold: 60,
    },
  ],
};
