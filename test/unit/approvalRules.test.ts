import type { DeploymentPolicy } from '../../src/model/types';
import { approvalProblem, DecisionContext, eligibilityProblem, requestGate } from '../../src/temporal/approval';
import type { DecisionClaims, SignedClaims } from '../../src/trust/claims';

const policy: DeploymentPolicy = {
  environment: 'production',
  approval: { required: true, timeout: '24h', allowSelfApproval: false, channels: ['cli', 'slack'] },
  approvers: ['platform-team', 'alice@company.com'],
  groups: { 'platform-team': ['Carol@Company.com', 'dave@company.com'] },
  slackUsers: {},
  githubUsers: {},
  signingKeys: {},
  breakGlass: ['oncall@company.com'],
};
const now = Date.parse('2026-12-05T10:00:00Z');
const context: DecisionContext = { workflowId: 'deploy/s/production/api', runId: 'run-2', planHash: 'hash-2', requestedBy: 'carol@company.com', service: 'api', policy, usedNonces: new Set(['used']), now };

function decision(overrides: Partial<DecisionClaims> = {}, proof: SignedClaims['proof'] = { type: 'ssh', signature: 'sig' }): SignedClaims<DecisionClaims> {
  return { claims: { purpose: 'decision', workflowId: context.workflowId, runId: 'run-2', planHash: 'hash-2', approve: true, by: 'dave@company.com', channel: 'cli', issuedAt: new Date(now).toISOString(), nonce: 'fresh', ...overrides }, proof };
}

describe('approval decisions', () => {
  it('accepts a listed approver deciding on the waiting run and plan', () => {
    expect(approvalProblem(decision(), context)).toBeUndefined();
  });

  it('refuses a decision for another run (a stale button) or another plan', () => {
    expect(approvalProblem(decision({ runId: 'run-1' }), context)).toMatch(/for another deployment \(run run-1/);
    expect(approvalProblem(decision({ planHash: 'hash-1' }), context)).toMatch(/for another plan/);
  });

  it('ignores a replayed decision and one signed too long ago', () => {
    expect(approvalProblem(decision({ nonce: 'used' }), context)).toMatch(/already sent once \(a replay\)/);
    expect(approvalProblem(decision({ issuedAt: new Date(now - 11 * 60_000).toISOString() }), context)).toMatch(/more than 10 minutes/);
  });

  it('refuses an unsigned decision and a Slack decision without the Slack app\'s proof', () => {
    expect(approvalProblem({ claims: decision().claims }, context)).toMatch(/is not signed/);
    expect(approvalProblem(decision({ channel: 'slack' }), context)).toMatch(/must be proven by the Slack app/);
  });

  it('compares identities without case: the requester cannot self-approve as CAROL@Company.com', () => {
    expect(approvalProblem(decision({ by: 'CAROL@Company.com' }), context)).toMatch(/requested this deployment and cannot approve it too/);
    expect(eligibilityProblem({ approve: true, by: 'DAVE@company.COM', channel: 'cli' }, { requestedBy: 'carol@company.com', service: 'api', policy })).toBeUndefined();
  });

  it('keeps decisions on a canary and on the plan apart: neither passes for the other, nor one step for another', () => {
    const atStep2 = { ...context, canary: { component: 'api/web', step: 2 } };
    const onCanary = (overrides: Partial<DecisionClaims> = {}) => decision({ canaryComponent: 'api/web', canaryStep: 2, ...overrides });
    expect(approvalProblem(onCanary(), atStep2)).toBeUndefined();
    expect(approvalProblem(decision(), atStep2)).toMatch(/approves a plan; the deployment runs a canary of api\/web at step 2/);
    expect(approvalProblem(onCanary({ canaryStep: 1 }), atStep2)).toMatch(/is for step 1 of the canary of api\/web; the canary of api\/web is at step 2/);
    expect(approvalProblem(onCanary({ canaryComponent: 'api/worker' }), atStep2)).toMatch(/of the canary of api\/worker; the canary of api\/web is at step 2/);
    expect(approvalProblem(onCanary(), context)).toMatch(/is for step 2 of the canary of api\/web; the deployment waits for the approval of its plan/);
    // The requester may abort their own canary, not promote it.
    expect(approvalProblem(onCanary({ approve: false, by: 'carol@company.com' }), atStep2)).toBeUndefined();
    expect(approvalProblem(onCanary({ by: 'carol@company.com' }), atStep2)).toMatch(/cannot approve it too/);
  });

  it('lets the requester withdraw through the CLI in a Slack-only environment, but not approve there', () => {
    const slackOnly = { ...policy, approval: { ...policy.approval, channels: ['slack' as const] } };
    const ctx = { requestedBy: 'carol@company.com', service: 'api', policy: slackOnly };
    expect(eligibilityProblem({ approve: false, by: 'carol@company.com', channel: 'cli' }, ctx)).toBeUndefined();
    expect(eligibilityProblem({ approve: true, by: 'dave@company.com', channel: 'cli' }, ctx)).toMatch(/must come through slack/);
  });
});

describe('request gate', () => {
  const base = { policy, kind: 'deploy' as const, requestedBy: 'carol@company.com', requesterProof: 'ssh' as const, commitReviewed: true, dirty: false, source: { repo: '/repo', ref: 'refs/heads/main', commit: 'a'.repeat(40) } };

  it('takes a proven request from a clean reviewed commit, with approval', () => {
    expect(requestGate(base)).toEqual({ approvalRequired: true, breakGlass: false, reviewed: true });
  });

  it('refuses an uncommitted or unpushed checkout where approval is required', () => {
    expect(requestGate({ ...base, dirty: true }).refusal).toMatch(/uncommitted changes/);
    expect(requestGate({ ...base, commitReviewed: false }).refusal).toMatch(/not on the reviewed branch/);
  });

  it('refuses an unproven requester where approval is required', () => {
    expect(requestGate({ ...base, requesterProof: 'claimed' }).refusal).toMatch(/requester must be proven/);
  });

  it('allows a dirty checkout where no approval is required, and records it as unreviewed', () => {
    const development = { ...policy, environment: 'development', approval: { ...policy.approval, required: false } };
    expect(requestGate({ ...base, policy: development, dirty: true, requesterProof: 'claimed' })).toEqual({ approvalRequired: false, breakGlass: false, reviewed: false });
  });

  it('asks approval for a rollback unless its proven requester is on the breakGlass list', () => {
    const rollback = requestGate({ ...base, kind: 'rollback', commitReviewed: false });
    expect(rollback).toMatchObject({ approvalRequired: true, breakGlass: false });
    expect(rollback.refusal).toBeUndefined();
    expect(requestGate({ ...base, kind: 'rollback', requestedBy: 'OnCall@company.com' })).toMatchObject({ approvalRequired: false, breakGlass: true });
  });

  it('refuses an environment the reviewed branch does not declare', () => {
    expect(requestGate({ ...base, policy: undefined }).refusal).toMatch(/not declared on the reviewed branch refs\/heads\/main of \/repo/);
  });
});
