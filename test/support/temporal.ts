import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ActivityPorts } from '../../activities';
import { createWorker } from '../../worker/createWorker';

/** Address of the dev server that test/integration/globalSetup.ts started. */
export function testServerAddress(): string {
  const address = process.env.DEPLOYER_TEMPORAL_ADDRESS;
  if (!address) throw new Error('DEPLOYER_TEMPORAL_ADDRESS is unset: integration tests run through jest globalSetup');
  return address;
}

export async function testClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: testServerAddress() });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/**
 * A real worker on its own task queue, over the given ports, already polling. `stop` shuts it down,
 * waits for its tasks to end and closes its connection.
 */
export async function testWorker(taskQueue: string, ports: ActivityPorts): Promise<{ stop: () => Promise<void> }> {
  const connection = await NativeConnection.connect({ address: testServerAddress() });
  const worker = await createWorker({ connection, namespace: 'default', ports, taskQueue });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
