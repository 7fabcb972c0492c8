// The deployer worker process (`deployer dev start` runs it; so does docker-compose).
import { NativeConnection } from '@temporalio/worker';
import { stateDir } from '../src/paths';
import { temporalSettingsFromEnv } from '../src/temporal/connection';
import { createWorker } from './createWorker';
import { workerPorts } from './ports';

async function main(): Promise<void> {
  const settings = temporalSettingsFromEnv();
  const connection = await NativeConnection.connect({
    address: settings.address,
    apiKey: settings.apiKey,
    tls: settings.tls ? {} : undefined,
  });
  const worker = await createWorker({
    connection,
    namespace: settings.namespace,
    ports: workerPorts(stateDir()),
  });
  // Worker.run resolves after SIGINT/SIGTERM once in-flight tasks finished or were handed back.
  await worker.run();
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
