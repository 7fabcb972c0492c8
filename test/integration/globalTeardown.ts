import fs from 'node:fs';
import { stopDevEnvironment } from '../../src/devenv/devEnvironment';

export default async function globalTeardown(): Promise<void> {
  await stopDevEnvironment();
  const home = process.env.DEPLOYER_HOME;
  if (home) fs.rmSync(home, { recursive: true, force: true });
}
