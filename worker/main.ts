// The deployer worker process (`deployer dev start` runs it; so does docker-compose).
import { NativeConnection } from '@temporalio/worker';
import { stateDir } from '../src/paths';
import { ComponentStacks } from '../src/pulumi/componentStacks';
import { localBackend } from '../src/pulumi/backend';
import { temporalSettingsFromEnv } from '../src/temporal/connection';
import { programCatalogue } from '../src/targets';
import { createWorker } from './createWorker';

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
    ports: { stacks: new ComponentStacks(localBackend(stateDir())), programs: programCatalogue },
  });
  // Worker.run resolves after SIGINT/SIGTERM once in-flight tasks finished or were handed back.
  await worker.run();
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
