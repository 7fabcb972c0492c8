import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Checkout } from './types';

/** The commit a deployment repo checkout is at; undefined outside git. */
export function gitCommit(root: string): string | undefined {
  return git(root, ['rev-parse', 'HEAD']);
}

/**
 * Where the deployment repo sits in its git work tree, and whether its files differ from the commit
 * (the worker records it, and refuses it where approval is required). Undefined outside git.
 */
export function gitCheckout(root: string): Checkout | undefined {
  const gitRoot = git(root, ['rev-parse', '--show-toplevel']);
  if (!gitRoot) return undefined;
  const status = git(root, ['status', '--porcelain', '--untracked-files=normal', '--', '.'], false);
  return { gitRoot, path: path.relative(gitRoot, path.resolve(root)) || '.', dirty: status === undefined || status.trim() !== '' };
}

function git(cwd: string, args: string[], trim = true): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return trim ? out.trim() || undefined : out;
  } catch {
    return undefined;
  }
}
