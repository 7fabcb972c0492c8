import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
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

/** A real worker on its own task queue, over the given ports. */
export async function testWorker(taskQueue: string, ports: ActivityPorts): Promise<{ worker: Worker; close: () => Promise<void> }> {
  const connection = await NativeConnection.connect({ address: testServerAddress() });
  const worker = await createWorker({ connection, namespace: 'default', ports, taskQueue });
  return { worker, close: () => connection.close() };
}
