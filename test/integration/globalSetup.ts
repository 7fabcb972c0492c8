import fs from 'node:fs';
import type { Config } from '@jest/types';
import os from 'node:os';
import path from 'node:path';
import { startDevEnvironment } from '../../src/devenv/devEnvironment';
import { HTTP_PORT_OFFSET } from '../../src/devenv/endpoints';
import { freePort, freePortWithFreeNeighbour } from '../../src/tcpPorts';
import { workflowBundleFile } from '../support/workflowBundleFile';
import { workerNamespace } from './namespaces';

// One real Temporal dev server for the whole integration run, in a throwaway state dir and on free
// ports, so a developer's own `deployer dev start` is never touched. A missing toolchain fails the
// run (tests are never skipped): `npm run setup` installs it.
export default async function globalSetup(config: Config.GlobalConfig): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-it-'));
  // When tests run as root, the local runtime's PostgreSQL runs as another user that must enter it.
  fs.chmodSync(home, 0o711);
  process.env.DEPLOYER_HOME = home;
  const namespaces = Array.from({ length: config.maxWorkers }, (_, index) => workerNamespace(index + 1));
  // The dev server keeps the convention a CLI assumes when nobody names its HTTP API (gRPC port + 10), as on a developer's machine.
  const [status] = await Promise.all([startDevEnvironment({ port: await freePortWithFreeNeighbour(HTTP_PORT_OFFSET), uiPort: await freePort(), withoutWorker: true, namespaces }), workflowBundleFile(home)]);
  process.env.DEPLOYER_TEMPORAL_ADDRESS = status.endpoints.temporalAddress;
  process.env.DEPLOYER_TEMPORAL_NAMESPACE = status.endpoints.namespace;
  // Under a name of its own: a CLI given DEPLOYER_TEMPORAL_HTTP_ADDRESS would read through it, also
  // in tests that start a Temporal of their own. Tests of the HTTP path pass it on themselves.
  process.env.DEPLOYER_TEST_TEMPORAL_HTTP_ADDRESS = status.endpoints.temporalHttpAddress;
}
