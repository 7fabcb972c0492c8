import { execFile, spawn } from 'node:child_process';
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

/** The branches a checkout's reviewed policy may come from, in order of preference. */
const REVIEWED_REFS = ['refs/remotes/origin/main', 'refs/remotes/origin/master', 'refs/heads/main', 'refs/heads/master'];

async function checkoutBranch(checkout: Checkout | undefined): Promise<GitLocation> {
  if (!checkout) {
    throw new PolicyUnavailableError('this deployment names no git checkout and the worker has no reviewed repository: set DEPLOYER_POLICY_REPO on the worker, or deploy from a git checkout of the deployment repo');
  }
  if (!fs.existsSync(checkout.gitRoot)) {
    throw new PolicyUnavailableError(`the worker cannot read ${checkout.gitRoot} (it runs on another machine): set DEPLOYER_POLICY_REPO on the worker to the deployment repo's git URL`);
  }
  const present = (await git(checkout.gitRoot, ['for-each-ref', '--format=%(refname)', ...REVIEWED_REFS])).split('\n');
  const ref = REVIEWED_REFS.find((candidate) => present.includes(candidate));
  if (ref) return { gitDir: checkout.gitRoot, ref, path: checkout.path, repo: checkout.gitRoot };
  throw new PolicyUnavailableError(`${checkout.gitRoot} has no main or master branch to read the reviewed approval policy from: commit the deployment repo to main`);
}

async function isAncestor(gitDir: string, commit: string, tip: string): Promise<boolean> {
  if (!/^[0-9a-f]{40,64}$/i.test(commit)) return false;
  return git(gitDir, ['merge-base', '--is-ancestor', commit, tip]).then(
    () => true,
    () => false,
  );
}

/**
 * Writes the policy files of `commit` (only those) to a temporary directory and reads them there.
 * Two git processes whatever the number of files (a worker spawns them on every deployment, and a
 * spawn from a large process costs milliseconds of CPU): one lists the files, one reads them all.
 */
async function withFilesAt<T>(gitDir: string, commit: string, repoPath: string, request: PolicyRequest, use: (root: string) => T): Promise<T> {
  const base = path.posix.normalize(repoPath.split(path.sep).join('/')).replace(/^\.\/?|\/$/g, '');
  const prefix = base ? `${base}/` : '';
  const wanted = [`${prefix}deployer.yaml`, `${prefix}environments`, `${prefix}stacks/${request.stack}/services/${request.service}/service.yaml`];
  // -z: NUL-terminated entries of "<mode> <type> <object>\t<path>", any character allowed in a path.
  const listed = (await git(gitDir, ['ls-tree', '-r', '-z', commit, '--', ...wanted], false))
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf('\t');
      return { object: entry.slice(0, tab).split(' ')[2]!, file: entry.slice(tab + 1) };
    });
  const contents = await readBlobs(gitDir, listed.map((entry) => entry.object));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-policy-'));
  try {
    listed.forEach(({ file }, index) => {
      const target = path.join(dir, file.slice(prefix.length));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, contents[index]!);
    });
    return use(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The contents of the given blobs, in order, from one `git cat-file --batch`. */
function readBlobs(gitDir: string, objects: string[]): Promise<Buffer[]> {
  if (!objects.length) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: GIT_TIMEOUT_MS, env: gitEnv() });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(Buffer.concat(err).toString('utf8').trim() || `git cat-file ended with ${signal ?? `exit code ${code}`}`));
      // Each answer is "<object> <type> <size>\n<content>\n", or "<object> missing\n".
      const answer = Buffer.concat(out);
      const blobs: Buffer[] = [];
      let at = 0;
      for (const object of objects) {
        const headerEnd = answer.indexOf(0x0a, at);
        const [, type, size] = answer.subarray(at, headerEnd === -1 ? undefined : headerEnd).toString('utf8').split(' ');
        if (headerEnd === -1 || type !== 'blob') return reject(new Error(`git cat-file: ${object} is ${type ?? 'not in the answer'}, not a file`));
        blobs.push(answer.subarray(headerEnd + 1, headerEnd + 1 + Number(size)));
        at = headerEnd + 1 + Number(size) + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(`${objects.join('\n')}\n`);
  });
}

const GIT_TIMEOUT_MS = 120_000;

/** Never a prompt for credentials: a worker has nobody to answer it. */
const gitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_TERMINAL_PROMPT: '0' });

function git(gitDir: string, args: string[], trim = true): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', gitDir, ...args], { timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: gitEnv() }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(trim ? stdout.trim() : stdout);
    });
  });
}
