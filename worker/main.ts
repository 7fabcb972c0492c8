// The deployer worker process (`deployer dev start` runs it; so does docker-compose).
import { NativeConnection } from '@temporalio/worker';
import { stateDir } from '../src/paths';
import { openStateStore } from '../src/state/stateStore';
import { temporalSettingsFromEnv } from '../src/temporal/connection';
import { createWorker } from './createWorker';
import { workerPorts } from './ports';

async function main(): Promise<void> {
  const settings = temporalSettingsFromEnv();
  const state = openStateStore(stateDir());
  await state.ready();
  console.log(`deployer worker: state in ${state.described}`);
  const connection = await NativeConnection.connect({
    address: settings.address,
    apiKey: settings.apiKey,
    tls: settings.tls ? {} : undefined,
  });
  const worker = await createWorker({
    connection,
    namespace: settings.namespace,
    ports: workerPorts(stateDir(), {}, state),
    workflowBundle: process.env.DEPLOYER_WORKFLOW_BUNDLE || undefined,
  });
  const stopAnnouncing = state.announceWorker();
  // Worker.run resolves after SIGINT/SIGTERM once in-flight tasks finished or were handed back.
  await worker.run();
  stopAnnouncing();
  await connection.close();
  await state.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
