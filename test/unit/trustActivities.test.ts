import { createTrustActivities } from '../../activities/trust';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import type { DecisionClaims } from '../../src/trust/claims';
import { slackDecisionMac } from '../../src/trust/slackDecisionKey';
import { ReviewedRepo } from '../support/reviewedRepo';

// The worker's side of trust over a real reviewed repo (git) and real SSH signatures; the GitHub
// verifier is our own port here (its cryptography is tested in githubOidc.test.ts).
describe('trust activities', () => {
  let repo: ReviewedRepo;
  const slackDecisionKey = 'k'.repeat(64);
  const target = { stack: 'user-platform', service: 'notification-service', environment: 'production', kind: 'deploy' as const, version: 'v2.0.0' };
  const activities = (verifyGithubToken?: (token: string) => Promise<{ actor: string }>) =>
    createTrustActivities({ policy: repo.policySource(), releases: new FileReleaseStore(repo.scratch('releases-')), slackDecisionKey, verifyGithubToken });

  beforeAll(() => {
    repo = ReviewedRepo.create();
  });
  afterAll(() => repo.remove());

  it('proves a requester by their own SSH key, and by nothing else', async () => {
    const request = await repo.request('alice@company.com', { action: 'deploy', stack: target.stack, environment: target.environment, version: target.version });
    const review = (overrides: object) => activities().reviewRequest({ ...target, requestedBy: 'alice@company.com', commit: repo.head(), request, ...overrides });
    expect(await review({})).toMatchObject({ requesterProof: 'ssh', commitReviewed: true, policy: { approval: { required: true } } });
    expect((await review({ requestedBy: 'ALICE@company.com' })).requesterProof).toBe('ssh');
    // The same signature cannot request another version, or be claimed by someone else.
    expect((await review({ version: 'v9.9.9' })).requesterProof).toBe('claimed');
    expect((await review({ requestedBy: 'bob@company.com' })).requesterProof).toBe('claimed');
    const mallorys = await repo.request('mallory@company.com', { action: 'deploy', stack: target.stack, environment: target.environment, version: target.version });
    expect((await review({ request: { ...mallorys, claims: { ...mallorys.claims, requestedBy: 'alice@company.com' } } })).requesterProof).toBe('claimed');
    expect((await review({ request: undefined })).requesterProof).toBe('claimed');
  });

  it('proves a GitHub Actions requester by the verified token\'s actor, mapped through githubUsers', async () => {
    const request = { claims: { purpose: 'request' as const, action: 'deploy' as const, stack: target.stack, environment: target.environment, version: target.version, requestedBy: 'alice@company.com', issuedAt: new Date().toISOString(), nonce: 'n1' }, proof: { type: 'github-oidc' as const, token: 'a.b.c' } };
    const as = (actor: string | Error) => activities(async () => (actor instanceof Error ? Promise.reject(actor) : { actor }));
    expect((await as('alice-gh').reviewRequest({ ...target, requestedBy: 'alice@company.com', request })).requesterProof).toBe('github-oidc');
    expect((await as('bob-gh').reviewRequest({ ...target, requestedBy: 'alice@company.com', request })).requesterProof).toBe('claimed');
    expect((await as(new Error('expired')).reviewRequest({ ...target, requestedBy: 'alice@company.com', request })).requesterProof).toBe('claimed');
  });

  it('takes a Slack decision only with the app\'s MAC and a Slack user mapped to the decider', async () => {
    const policy = (await activities().reviewRequest({ ...target, requestedBy: 'alice@company.com' })).policy!;
    const claims: DecisionClaims = { purpose: 'decision', workflowId: 'w', runId: 'r', planHash: 'p', approve: true, by: 'carol@company.com', channel: 'slack', slackUserId: 'U0CAROL', issuedAt: new Date().toISOString(), nonce: 'n' };
    const verify = (decision: Parameters<ReturnType<typeof activities>['verifyDecision']>[0]['decision']) => activities().verifyDecision({ decision, policy });
    expect(await verify({ claims, proof: { type: 'slack', mac: slackDecisionMac(claims, slackDecisionKey) } })).toBeUndefined();
    expect(await verify({ claims, proof: { type: 'slack', mac: slackDecisionMac(claims, 'another key entirely, thirty-two+ chars') } })).toMatch(/not signed by the Slack app/);
    const alice = { ...claims, slackUserId: 'U0ALICE' };
    expect(await verify({ claims: alice, proof: { type: 'slack', mac: slackDecisionMac(alice, slackDecisionKey) } })).toMatch(/U0ALICE is not mapped to carol@company.com/);
  });
});
