import { execFileSync } from 'node:child_process';
import { canonicalClaims, RequestClaims } from '../../src/trust/claims';
import { GitPolicySource } from '../../src/trust/reviewedPolicy';
import { sshSign, sshVerify } from '../../src/trust/sshSignatures';
import { ReviewedRepo } from '../support/reviewedRepo';

// Real git and real OpenSSH: the policy comes from the reviewed branch, never from a work tree.
describe('the reviewed policy', () => {
  let repo: ReviewedRepo;
  const request = { stack: 'user-platform', service: 'notification-service', environment: 'production' };

  beforeAll(() => {
    repo = ReviewedRepo.create();
  });
  afterAll(() => repo.remove());

  it('reads approval settings, approvers, groups and keys from the branch tip', async () => {
    const reviewed = await repo.policySource().read({ ...request, commit: repo.head() });
    expect(reviewed.commitReviewed).toBe(true);
    expect(reviewed.source).toMatchObject({ ref: 'refs/heads/main', commit: repo.head() });
    expect(reviewed.policy).toMatchObject({ environment: 'production', approval: { required: true }, approvers: ['notifications-team-lead', 'platform-team'], groups: { 'platform-team': ['carol@company.com', 'dave@company.com'] } });
    expect(reviewed.policy!.signingKeys['carol@company.com']).toEqual([repo.publicKey('carol@company.com')]);
  });

  it('ignores an uncommitted edit of the approval policy', async () => {
    repo.editYaml('environments/production.yaml', (doc) => doc.setIn(['spec', 'approval', 'required'], false));
    try {
      const reviewed = await repo.policySource().read(request);
      expect(reviewed.policy!.approval.required).toBe(true);
    } finally {
      execFileSync('git', ['checkout', '--', '.'], { cwd: repo.root });
    }
  });

  it('says a commit that is not on the reviewed branch is not reviewed', async () => {
    execFileSync('git', ['checkout', '-q', '-b', 'feature'], { cwd: repo.root });
    repo.editYaml('environments/production.yaml', (doc) => doc.setIn(['spec', 'approval', 'required'], false));
    const unmerged = repo.commit('turn approval off on a branch');
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: repo.root });
    const reviewed = await repo.policySource().read({ ...request, commit: unmerged });
    expect(reviewed.commitReviewed).toBe(false);
    expect(reviewed.policy!.approval.required).toBe(true);
  });

  it('in one-machine mode reads the checkout\'s own main branch, and refuses a directory that is not a git checkout', async () => {
    const source = new GitPolicySource(repo.scratch('policy-cache-'));
    const reviewed = await source.read({ ...request, commit: repo.head(), checkout: { gitRoot: repo.root, path: '.', dirty: false } });
    expect(reviewed).toMatchObject({ commitReviewed: true, source: { ref: 'refs/heads/main' } });
    await expect(source.read(request)).rejects.toThrow(/names no git checkout and the worker has no reviewed repository: set DEPLOYER_POLICY_REPO/);
  });

  it('in one-machine mode prefers origin\'s main to the local one, and says so when there is neither main nor master', async () => {
    const source = new GitPolicySource(repo.scratch('policy-cache-'));
    const checkout = { gitRoot: repo.root, path: '.', dirty: false };
    const reviewedCommit = repo.head();
    execFileSync('git', ['update-ref', 'refs/remotes/origin/main', reviewedCommit], { cwd: repo.root });
    repo.editYaml('environments/production.yaml', (doc) => doc.setIn(['spec', 'approval', 'required'], false));
    const local = repo.commit('turn approval off on the local main only');
    try {
      const reviewed = await source.read({ ...request, commit: local, checkout });
      expect(reviewed).toMatchObject({ commitReviewed: false, source: { ref: 'refs/remotes/origin/main', commit: reviewedCommit } });
      expect(reviewed.policy!.approval.required).toBe(true);
      execFileSync('git', ['branch', '-q', '-m', 'main', 'trunk'], { cwd: repo.root });
      execFileSync('git', ['update-ref', '-d', 'refs/remotes/origin/main'], { cwd: repo.root });
      await expect(source.read({ ...request, checkout })).rejects.toThrow(`${repo.root} has no main or master branch to read the reviewed approval policy from`);
    } finally {
      execFileSync('git', ['branch', '-q', '-m', 'trunk', 'main'], { cwd: repo.root });
      execFileSync('git', ['reset', '-q', '--hard', reviewedCommit], { cwd: repo.root });
    }
  });

  it('reports an unknown environment as undeclared, not as unrestricted', async () => {
    expect((await repo.policySource().read({ ...request, environment: 'prod-eu' })).policy).toBeUndefined();
  });
});

describe('SSH signatures', () => {
  let repo: ReviewedRepo;
  beforeAll(() => {
    repo = ReviewedRepo.create();
  });
  afterAll(() => repo.remove());
  const claims: RequestClaims = { purpose: 'request', action: 'deploy', stack: 's', environment: 'production', version: 'v1', requestedBy: 'carol@company.com', issuedAt: '2026-12-05T10:00:00.000Z', nonce: 'n' };

  it('verifies a signature by a listed key and refuses another key, another identity\'s key or tampered claims', async () => {
    const message = canonicalClaims(claims);
    const signature = await sshSign(message, repo.keyFile('carol@company.com'));
    expect(signature).toContain('BEGIN SSH SIGNATURE');
    expect(await sshVerify(message, signature, 'carol@company.com', [repo.publicKey('carol@company.com')])).toBe(true);
    expect(await sshVerify(message, signature, 'carol@company.com', [repo.publicKey('mallory@company.com')])).toBe(false);
    expect(await sshVerify(canonicalClaims({ ...claims, version: 'v2' }), signature, 'carol@company.com', [repo.publicKey('carol@company.com')])).toBe(false);
    const mallorys = await sshSign(message, repo.keyFile('mallory@company.com'));
    expect(await sshVerify(message, mallorys, 'carol@company.com', [repo.publicKey('carol@company.com')])).toBe(false);
  });
});
