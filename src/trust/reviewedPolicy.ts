import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPolicy } from '../model/loadRepo';
import type { Checkout, DeploymentPolicy } from '../model/types';
import { PolicyUnavailableError } from '../errors';

// Who may approve, whether approval is needed at all, and whose keys prove a decision must come from
// what the team reviewed, not from the requester's working tree: the worker reads them from the tip
// of the deployment repo's reviewed branch, as git has it, and checks that the requester's commit is
// part of that branch.

export interface PolicyRequest {
  stack: string;
  service: string;
  environment: string;
  /** The commit the client rendered its desired state from. */
  commit?: string;
  /** The client's checkout (used only when the worker has no reviewed repo configured). */
  checkout?: Checkout;
}

export interface ReviewedPolicy {
  /** Undefined when the reviewed branch does not declare the environment. */
  policy?: DeploymentPolicy;
  /** Where it was read: repository, ref and the commit at its tip. */
  source: { repo: string; ref: string; commit: string };
  /** Whether the client's commit is on the reviewed branch (merged, or pushed to it). */
  commitReviewed: boolean;
}

/** Port: the reviewed deployment repo. */
export interface PolicySource {
  read(request: PolicyRequest): Promise<ReviewedPolicy>;
}

/** The worker's reviewed repo: DEPLOYER_POLICY_REPO (a git URL or path), its branch and the deployment repo's path inside it. */
export interface PolicyRepoSettings {
  repo: string;
  branch: string;
  path: string;
}

export function policyRepoSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PolicyRepoSettings | undefined {
  const repo = env.DEPLOYER_POLICY_REPO?.trim();
  if (!repo) return undefined;
  return { repo, branch: env.DEPLOYER_POLICY_BRANCH?.trim() || 'main', path: env.DEPLOYER_POLICY_PATH?.trim() || '.' };
}

/**
 * Reads policy from git. With settings (team mode), it fetches the configured branch into a bare
 * cache under the state dir and reads that. Without (one machine: `deployer dev start`), it reads the
 * requester's own git repository, but only committed history on its reviewed branch: origin's
 * main/master when the checkout has that remote, else the local main/master. Never a work tree.
 */
export class GitPolicySource implements PolicySource {
  constructor(
    private readonly cacheDir: string,
    private readonly settings?: PolicyRepoSettings,
  ) {}

  async read(request: PolicyRequest): Promise<ReviewedPolicy> {
    const where = this.settings ? await this.fetched(this.settings) : await checkoutBranch(request.checkout);
    const tip = await git(where.gitDir, ['rev-parse', '--verify', `${where.ref}^{commit}`]);
    const commitReviewed = request.commit ? await isAncestor(where.gitDir, request.commit, tip) : false;
    const policy = await withFilesAt(where.gitDir, tip, where.path, request, (root) => loadPolicy(root, request.stack, request.service, request.environment));
    return { policy, source: { repo: where.repo, ref: where.ref, commit: tip }, commitReviewed };
  }

  private async fetched(settings: PolicyRepoSettings): Promise<GitLocation> {
    const gitDir = path.join(this.cacheDir, 'reviewed-repo.git');
    if (!fs.existsSync(path.join(gitDir, 'HEAD'))) {
      fs.mkdirSync(gitDir, { recursive: true, mode: 0o700 });
      await git(gitDir, ['init', '--bare', '--quiet']);
    }
    const ref = `refs/heads/${settings.branch}`;
    await git(gitDir, ['fetch', '--quiet', '--force', '--no-tags', settings.repo, `+${ref}:${ref}`]).catch((error: Error) => {
      throw new PolicyUnavailableError(`cannot fetch the reviewed deployment repo ${settings.repo} (branch ${settings.branch}): ${error.message}`);
    });
    return { gitDir, ref, path: settings.path, repo: settings.repo };
  }
}

interface GitLocation {
  gitDir: string;
  ref: string;
  path: string;
  repo: string;
}

async function checkoutBranch(checkout: Checkout | undefined): Promise<GitLocation> {
  if (!checkout) {
    throw new PolicyUnavailableError('this deployment names no git checkout and the worker has no reviewed repository: set DEPLOYER_POLICY_REPO on the worker, or deploy from a git checkout of the deployment repo');
  }
  if (!fs.existsSync(checkout.gitRoot)) {
    throw new PolicyUnavailableError(`the worker cannot read ${checkout.gitRoot} (it runs on another machine): set DEPLOYER_POLICY_REPO on the worker to the deployment repo's git URL`);
  }
  for (const ref of ['refs/remotes/origin/main', 'refs/remotes/origin/master', 'refs/heads/main', 'refs/heads/master']) {
    const found = await git(checkout.gitRoot, ['rev-parse', '--verify', '--quiet', ref]).catch(() => undefined);
    if (found) return { gitDir: checkout.gitRoot, ref, path: checkout.path, repo: checkout.gitRoot };
  }
  throw new PolicyUnavailableError(`${checkout.gitRoot} has no main or master branch to read the reviewed approval policy from: commit the deployment repo to main`);
}

async function isAncestor(gitDir: string, commit: string, tip: string): Promise<boolean> {
  if (!/^[0-9a-f]{40,64}$/i.test(commit)) return false;
  return git(gitDir, ['merge-base', '--is-ancestor', commit, tip]).then(
    () => true,
    () => false,
  );
}

/** Writes the policy files of `commit` (only those) to a temporary directory and reads them there. */
async function withFilesAt<T>(gitDir: string, commit: string, repoPath: string, request: PolicyRequest, use: (root: string) => T): Promise<T> {
  const base = path.posix.normalize(repoPath.split(path.sep).join('/')).replace(/^\.\/?|\/$/g, '');
  const prefix = base ? `${base}/` : '';
  const wanted = [`${prefix}deployer.yaml`, `${prefix}environments`, `${prefix}stacks/${request.stack}/services/${request.service}/service.yaml`];
  const listed = (await git(gitDir, ['ls-tree', '-r', '--name-only', commit, '--', ...wanted])).split('\n').filter(Boolean);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-policy-'));
  try {
    for (const file of listed) {
      const target = path.join(dir, file.slice(prefix.length));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, await git(gitDir, ['show', `${commit}:${file}`], false));
    }
    return use(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function git(gitDir: string, args: string[], trim = true): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', gitDir, ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(trim ? stdout.trim() : stdout);
    });
  });
}
