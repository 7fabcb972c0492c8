import fs from 'node:fs';
import path from 'node:path';

/** The deployer installation's root (where package.json and .tools live), from source or dist. */
export const installRoot: string = findUp(__dirname, 'package.json');

function findUp(start: string, marker: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, marker))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no ${marker} above ${start}`);
    dir = parent;
  }
  return dir;
}

/**
 * Where the deployer keeps its local state: the dev server's database, the Pulumi file backend,
 * pid files and logs. DEPLOYER_HOME overrides it so tests and several checkouts stay apart.
 */
export function stateDir(): string {
  return path.resolve(process.env.DEPLOYER_HOME ?? path.join(installRoot, '.deployer'));
}

/**
 * The state dir of the machine's local runtime: this one's, unless DEPLOYER_LOCAL_RUNTIME_HOME names
 * another (a second worker with a state dir of its own deploying to the same machine's runtime).
 */
export function localRuntimeHome(): string {
  return process.env.DEPLOYER_LOCAL_RUNTIME_HOME || stateDir();
}

/** Directory of the tools `npm run setup` installs. */
export const toolsBinDir: string = path.join(installRoot, '.tools', 'bin');
