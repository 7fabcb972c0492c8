// The local runtime process (`deployer dev start` runs it): serves the local target's components.
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../../../paths';
import { issueApiToken } from './apiAuth';
import { LocalRuntime } from './runtime';
import { listeningPort, runtimeServer } from './server';
import { runtimeEndpointFile, runtimeTokenFile } from '../endpoint';

async function main(): Promise<void> {
  const dir = path.join(stateDir(), 'local');
  const runtime = new LocalRuntime(dir);
  // A new token at every start: clients read it with the address on every request, so keeping it
  // would only stretch how long a leaked token works.
  const server = runtimeServer(runtime, issueApiToken(runtimeTokenFile()));
  const port = Number(process.env.DEPLOYER_RUNTIME_PORT ?? 0);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await runtime.shutdown();
    fs.rmSync(runtimeEndpointFile(), { force: true });
    fs.rmSync(runtimeTokenFile(), { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  await runtime.restore();
  // Written last: clients wait for this file, so they never talk to a half-restored runtime.
  fs.writeFileSync(runtimeEndpointFile(), JSON.stringify({ url: `http://127.0.0.1:${listeningPort(server)}`, pid: process.pid }));
  console.log(`local runtime listening on 127.0.0.1:${listeningPort(server)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
