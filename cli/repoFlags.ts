import fs from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { DeployerError, EXIT } from './baseCommand';
import { printable } from '../src/client/render/format';

/** Flags every command reading the deployment repo shares. */
export const repoFlags = {
  repo: Flags.string({ description: 'Deployment repo root (default: the nearest directory above the current one that has stacks/).', env: 'DEPLOYER_REPO' }),
  var: Flags.string({ description: 'Fill ${KEY} in the YAML (repeatable): --var VERSION=v1.2.0', multiple: true, default: [] }),
};

/** The deployment repo root: --repo, else the nearest ancestor of the cwd holding stacks/. */
export function findRepoRoot(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, 'stacks'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new DeployerError('no deployment repo here: no stacks/ directory in the current directory or above it. Run inside your deployment repo, or pass --repo <dir>.', 'NO_REPO', EXIT.usage);
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
    if (!match) throw new DeployerError(`--var "${printable(entry)}" is not KEY=VALUE (e.g. --var VERSION=v1.2.0)`, 'BAD_VAR', EXIT.usage);
    const key = match[1]!;
    const value = match[2]!;
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (/[\x00-\x1f\x7f]/.test(value)) {
      throw new DeployerError(`--var ${key}: its value "${printable(value)}" contains a control character (such as a newline or a terminal escape); values must be plain text`, 'BAD_VAR', EXIT.usage);
    }
    variables[key] = value;
  }
  return variables;
}
