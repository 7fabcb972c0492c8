import fs from 'node:fs';
import { stopDevEnvironment } from '../../src/devenv/devEnvironment';
import { processesReferencing } from '../support/processes';

// Everything the integration run started is gone afterwards: processes are found by the state
// dir they carry in their command line or environment.
export default async function globalTeardown(): Promise<void> {
  await stopDevEnvironment();
  const home = process.env.DEPLOYER_HOME;
  if (!home) return;
  const leftovers = processesReferencing(home);
  fs.rmSync(home, { recursive: true, force: true });
  if (leftovers.length) throw new Error(`processes the integration tests started are still running:\n${leftovers.join('\n')}`);
}
