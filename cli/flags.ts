// The flags commands share, each declared once with its validation; a command gives its own help
// text where what the flag means there differs (`environment: environmentFlag({ description:
// 'Environment to deploy to.', required: true })`). Imports stay light: oclif reads every command's
// flags at start-up.
import fs from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { DeployerError } from '../src/errors';
import { printable } from '../src/client/render/format';

const REPO_HELP = 'Deployment repo root (default: the nearest directory above the current one that has stacks/).';

/**
 * `--repo DIR` (or DEPLOYER_REPO): the deployment repo root, as an absolute path. A directory that
 * is not there is refused while parsing, before anything else reads the repo or starts.
 */
export const repoFlag = Flags.custom<string>({
  description: REPO_HELP,
  env: 'DEPLOYER_REPO',
  parse: async (input) => existingDirectory(input),
});

export const stackFlag = Flags.custom<string>({ description: 'Stack of the service (default: the only stack that has it).' });

export const serviceFlag = Flags.custom<string>({ description: 'The service (e.g. notification-service).' });

export const environmentFlag = Flags.custom<string>({ char: 'e', description: 'Environment.' });

/** `--component SERVICE/COMPONENT`, checked against the repo by the command (candidates named). */
export const componentFlag = Flags.custom<string>({ description: 'The component, as <service>/<component> (e.g. notification-service/api).' });

/** Flags every command reading the deployment repo shares. */
export const repoFlags = {
  repo: repoFlag(),
  var: Flags.string({ description: 'Fill ${KEY} in the YAML (repeatable): --var VERSION=v1.2.0', multiple: true, default: [] }),
};

/** Flags of the commands that look at one component (logs, metrics, health, show, exec). */
export const componentFlags = {
  repo: repoFlag(),
  component: componentFlag({ required: true }),
  environment: environmentFlag({ description: 'Environment it runs in.', required: true }),
  stack: stackFlag(),
};

/** Flags of the commands that look at one service (test, history). */
export const serviceFlags = {
  repo: repoFlag(),
  service: serviceFlag({ char: 's', required: true }),
  environment: environmentFlag({ required: true }),
  stack: stackFlag(),
};

function existingDirectory(input: string): string {
  const dir = path.resolve(input);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DeployerError(`--repo ${printable(input)}: no such directory (${printable(dir)}). Pass your deployment repo's root, the directory that holds stacks/ and environments/.`, 'NO_REPO');
  }
  return dir;
}

/** The deployment repo root: --repo (already checked), else the nearest ancestor of the cwd holding stacks/. */
export function findRepoRoot(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, 'stacks'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new DeployerError('no deployment repo here: no stacks/ directory in the current directory or above it. Run inside your deployment repo, or pass --repo <dir>.', 'NO_REPO');
    }
    dir = parent;
  }
  return dir;
}

/**
 * `--var KEY=VALUE` list to a map, rejecting malformed entries with a usage error. A value with a
 * control character is refused too: values end up in release records that `history`, `status` and
 * Slack show to everyone, where a terminal escape sequence would act on their terminals.
 */
export function parseVars(entries: string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (!match) throw new DeployerError(`--var "${printable(entry)}" is not KEY=VALUE (e.g. --var VERSION=v1.2.0)`, 'BAD_VAR');
    const key = match[1]!;
    const value = match[2]!;
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (/[\x00-\x1f\x7f]/.test(value)) {
      throw new DeployerError(`--var ${key}: its value "${printable(value)}" contains a control character (such as a newline or a terminal escape); values must be plain text`, 'BAD_VAR');
    }
    variables[key] = value;
  }
  return variables;
}
