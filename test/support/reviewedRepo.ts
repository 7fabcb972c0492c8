import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { gitCheckout, gitCommit } from '../../src/model/checkout';
import type { DesiredStack } from '../../src/model/types';
import { installRoot } from '../../src/paths';
import type { ApprovalDecision, DeploymentProgress } from '../../src/temporal/deployment';
import { canonicalClaims, DecisionClaims, RequestClaims, SignedClaims } from '../../src/trust/claims';
import { GitPolicySource } from '../../src/trust/reviewedPolicy';
import { sshSign } from '../../src/trust/sshSignatures';

/** The people of the example repo; each gets an SSH key pair listed in deployer.yaml's signingKeys. */
export const PEOPLE = ['alice@company.com', 'bob@company.com', 'carol@company.com', 'dave@company.com', 'mallory@company.com'];

/**
 * A copy of the example deployment repo committed to `main` of its own git repository: the reviewed
 * branch a worker reads approval policy from. Every person has a signing key (mallory's is not
 * listed in deployer.yaml: she has a key, but not one the repo trusts).
 */
export class ReviewedRepo {
  readonly root: string;
  /** Everything besides the repo that its tests make (signing keys, caches, homes), removed with it. */
  private readonly scratchDir: string;

  private constructor(root: string, scratchDir: string) {
    this.root = root;
    this.scratchDir = scratchDir;
  }

  /** A copy of the example repo, changed by `prepare` before its first commit. */
  static create(prepare: (root: string) => void = () => undefined): ReviewedRepo {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reviewed-repo-'));
    fs.cpSync(path.join(installRoot, 'examples', 'deployment-repo'), root, { recursive: true });
    // The copy's images run the example app where it is, not relative to the copy.
    for (const file of fs.readdirSync(path.join(root, 'environments')).filter((name) => name.endsWith('.yaml'))) {
      const full = path.join(root, 'environments', file);
      fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replaceAll('workingDir: ../../apps/notification-api', `workingDir: ${path.join(installRoot, 'examples', 'apps', 'notification-api')}`));
    }
    prepare(root);
    return ReviewedRepo.adopt(root);
  }

  /** Makes a deployment repo directory (with a deployer.yaml) reviewed: signing keys listed, committed to main. */
  static adopt(root: string): ReviewedRepo {
    const repo = new ReviewedRepo(root, fs.mkdtempSync(path.join(os.tmpdir(), 'reviewed-scratch-')));
    for (const person of PEOPLE) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', person, '-f', repo.keyFile(person)]);
    repo.editYaml('deployer.yaml', (doc) => {
      for (const person of PEOPLE.filter((name) => !name.startsWith('mallory'))) doc.setIn(['spec', 'signingKeys', person], [repo.publicKey(person)]);
    });
    repo.git(['init', '-q', '-b', 'main']);
    repo.git(['config', 'user.email', 'ci@company.com']);
    repo.git(['config', 'user.name', 'CI']);
    repo.commit('the reviewed deployment repo');
    return repo;
  }

  keyFile(person: string): string {
    return path.join(this.scratchDir, person);
  }

  /** A new empty directory, removed with the repo. */
  scratch(prefix: string): string {
    return fs.mkdtempSync(path.join(this.scratchDir, prefix));
  }

  publicKey(person: string): string {
    return fs.readFileSync(`${this.keyFile(person)}.pub`, 'utf8').trim();
  }

  /** Edits a YAML file of the repo in place (comments kept); commit() makes it reviewed. */
  editYaml(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
    const full = path.join(this.root, file);
    const doc = parseDocument(fs.readFileSync(full, 'utf8'));
    edit(doc);
    fs.writeFileSync(full, doc.toString());
  }

  commit(message: string): string {
    this.git(['add', '-A']);
    this.git(['commit', '-q', '--allow-empty', '-m', message]);
    return this.head();
  }

  head(): string {
    return this.git(['rev-parse', 'HEAD']);
  }

  /** A worker's view of this repo as its configured reviewed repository (team mode). */
  policySource(cacheDir = this.scratch('policy-cache-')): GitPolicySource {
    return new GitPolicySource(cacheDir, { repo: this.root, branch: 'main', path: '.' });
  }

  /** Marks a desired state as rendered from this repo's HEAD, as `apply` does from a clean checkout. */
  rendered(desired: DesiredStack, dirty = false): DesiredStack {
    return { ...desired, commit: this.head(), checkout: { gitRoot: this.root, path: '.', dirty } };
  }

  /** A request signed by `person`'s key, as `apply` sends it. */
  async request(person: string, fields: Omit<RequestClaims, 'purpose' | 'issuedAt' | 'nonce' | 'requestedBy'>): Promise<SignedClaims<RequestClaims>> {
    const claims: RequestClaims = { purpose: 'request', ...fields, requestedBy: person, issuedAt: new Date().toISOString(), nonce: randomUUID() };
    return { claims, proof: { type: 'ssh', signature: await sshSign(canonicalClaims(claims), this.keyFile(person)) } };
  }

  /** A decision on the run and plan `progress` waits with, signed by `signer`'s key (the decider's own unless said otherwise). */
  async decision(progress: DeploymentProgress, by: string, approve = true, signer = by, overrides: Partial<DecisionClaims> = {}): Promise<ApprovalDecision> {
    const claims: DecisionClaims = {
      purpose: 'decision',
      workflowId: progress.workflowId,
      runId: progress.approval.runId!,
      planHash: progress.approval.planHash!,
      approve,
      by,
      channel: 'cli',
      issuedAt: new Date().toISOString(),
      nonce: randomUUID(),
      ...overrides,
    };
    return { claims, proof: { type: 'ssh', signature: await sshSign(canonicalClaims(claims), this.keyFile(signer)) } };
  }

  /** Environment for a CLI run as `person`: their identity and their signing key. */
  envFor(person: string): NodeJS.ProcessEnv {
    return { DEPLOYER_USER: person, DEPLOYER_SIGNING_KEY: this.keyFile(person) };
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
    fs.rmSync(this.scratchDir, { recursive: true, force: true });
  }

  private git(args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }
}

/** Marks a desired state as rendered from the git checkout at `root`, as `apply` does. */
export function fromCheckout(desired: DesiredStack, root: string): DesiredStack {
  return { ...desired, commit: gitCommit(root), checkout: gitCheckout(root) };
}
