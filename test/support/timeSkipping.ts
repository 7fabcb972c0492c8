import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { DeployerActivities } from '../../activities';
import { toolsBinDir } from '../../src/paths';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/searchAttributes';
import { runWorkflowBundle } from './workflowBundleFile';

// Workflow tests on the Java SDK's time-skipping test server (docs/decisions.md, Test servers): a
// server per test file, its clock jumping over timers whenever the test awaits a result, so a 24 h
// approval timeout takes milliseconds. `npm run setup` installs it; without it the tests fail.

function testServerPath(): string {
  const server = path.join(toolsBinDir, 'temporal-test-server');
  if (!fs.existsSync(server)) throw new Error(`the Temporal test server is not installed at ${server}: run \`npm run setup\``);
  return server;
}

/** Starts a time-skipping test server of this file's own, with deployer's search attributes; `teardown()` stops it. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } });
  // Workflows upsert their status; the server refuses attributes it was not told of, as a real one does.
  const searchAttributes = Object.fromEntries(Object.values(SEARCH_ATTRIBUTE_KEYS).map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]));
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
  return env;
}

/**
 * The SDK logs errors only, once per test file: the branches under test fail activities on purpose,
 * and workers log every failure and state change.
 */
export function quietRuntime(): void {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
}

/** A worker of every workflow in workflows/ over the given activities, polling a task queue of its own until `stop`. */
export async function startWorkflowWorker(env: TestWorkflowEnvironment, activities: DeployerActivities): Promise<{ taskQueue: string; stop: () => Promise<void> }> {
  const taskQueue = `workflow-tests-${crypto.randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: runWorkflowBundle(),
    activities,
    // As production (worker/createWorker.ts): a cancellation reaches a heartbeating activity within a second.
    maxHeartbeatThrottleInterval: '1 second',
  });
  const running = worker.run();
  return {
    taskQueue,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}

/**
 * For a test file: a time-skipping server of its own and a worker over `activities`, started before
 * its tests and stopped after them. Read `env` and `taskQueue` inside tests, once they started.
 */
export function timeSkippingWorker(activities: DeployerActivities): { readonly env: TestWorkflowEnvironment; readonly taskQueue: string } {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Awaited<ReturnType<typeof startWorkflowWorker>> | undefined;
  beforeAll(async () => {
    env = await startTimeSkippingServer();
    worker = await startWorkflowWorker(env, activities);
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.teardown();
  });
  return {
    get env() {
      if (!env) throw new Error('the time-skipping server starts in beforeAll: read env inside a test');
      return env;
    },
    get taskQueue() {
      if (!worker) throw new Error('the worker starts in beforeAll: read taskQueue inside a test');
      return worker.taskQueue;
    },
  };
}
