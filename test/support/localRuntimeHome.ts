import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRuntime, stopLocalRuntime } from '../../src/devenv/devEnvironment';
import { processesReferencing } from './processes';

/**
 * For one describe: a DEPLOYER_HOME of its own with a local runtime in it, started before its tests;
 * after them the runtime is stopped, the home removed, and nothing started in it may still run.
 */
export function localRuntimeHome(prefix: string): { readonly home: string } {
  let home = '';
  let previousHome: string | undefined;
  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    // When tests run as root, PostgreSQL runs as another user that must be able to enter the state dir.
    fs.chmodSync(home, 0o711);
    previousHome = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = home;
    await startLocalRuntime();
  });
  afterAll(async () => {
    await stopLocalRuntime();
    const leftovers = processesReferencing(home);
    process.env.DEPLOYER_HOME = previousHome;
    fs.rmSync(home, { recursive: true, force: true });
    expect(leftovers).toEqual([]);
  });
  return {
    get home() {
      return home;
    },
  };
}
