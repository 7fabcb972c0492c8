import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityPorts } from '../../activities/ports';
import { deployerWorkerOptions } from '../../worker/createWorker';
import { createComponentStackActivities } from './componentStack/activities';
import { runWorkflowBundle } from './workflowBundleFile';

/** Address of the dev server that test/integration/globalSetup.ts started. */
export function testServerAddress(): string {
  const address = process.env.DEPLOYER_TEMPORAL_ADDRESS;
  if (!address) throw new Error('DEPLOYER_TEMPORAL_ADDRESS is unset: integration tests run through jest globalSetup');
  return address;
}

/** The Temporal namespace of this jest worker (test/integration/namespaces.ts). */
export function testNamespace(): string {
  const namespace = process.env.DEPLOYER_TEMPORAL_NAMESPACE;
  if (!namespace) throw new Error('DEPLOYER_TEMPORAL_NAMESPACE is unset: integration tests run through jest globalSetup');
  return namespace;
}

export async function testClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: testServerAddress() });
  return { client: new Client({ connection, namespace: testNamespace() }), close: () => connection.close() };
}

export interface TestWorkerOptions {
  /** Also register the test-only workflows of one Pulumi operation on one component stack (componentStack/). */
  componentStackWorkflows?: boolean;
}

/**
 * A real worker on its own task queue, over the given ports, already polling: a production deployer
 * worker unless told otherwise. `stop` shuts it down, waits for its tasks to end and closes its connection.
 */
export async function testWorker(taskQueue: string, ports: ActivityPorts, options: TestWorkerOptions = {}): Promise<{ stop: () => Promise<void> }> {
  const connection = await NativeConnection.connect({ address: testServerAddress() });
  // The run's one bundle of workflows/ (globalSetup), unless this worker registers other workflows.
  const workflowBundle = options.componentStackWorkflows ? undefined : runWorkflowBundle().codePath;
  const deployer = deployerWorkerOptions({ connection, namespace: testNamespace(), ports, taskQueue, workflowBundle });
  const worker = await Worker.create(
    options.componentStackWorkflows
      ? { ...deployer, workflowsPath: require.resolve('./componentStack/workflows'), activities: { ...deployer.activities, ...createComponentStackActivities(ports) } }
      : deployer,
  );
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The attempts of an activity type that started, as the workflow's history records them. */
export function startedAttempts(events: HistoryEvent[], activityType: string): number[] {
  const activityOf = new Map(events.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => [String(event.eventId), event.activityTaskScheduledEventAttributes!.activityType!.name]));
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    return started && activityOf.get(String(started.scheduledEventId)) === activityType ? [started.attempt!] : [];
  });
}
