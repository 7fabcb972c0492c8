import type { Checkout, DeploymentPolicy } from '../model/types';
import type { DeploymentKind } from '../releases/releaseRecord';
import { CLAIMS_MAX_AGE_MS, DecisionClaims, RequestClaims, SignedClaims } from '../trust/claims';
import { normalizeIdentity, sameIdentity } from '../trust/identity';
import type { ReviewedPolicy } from '../trust/reviewedPolicy';

/** What the worker's review of a request (the reviewRequest activity) looks at. */
export interface ReviewInput {
  stack: string;
  service: string;
  environment: string;
  kind: DeploymentKind | 'unlock';
  version: string;
  requestedBy: string;
  /** The requester's signed request, when they sent one. */
  request?: SignedClaims<RequestClaims>;
  commit?: string;
  checkout?: Checkout;
}

/** How the requester was proven: by an SSH signature, a GitHub OIDC token, or not at all (a claim). */
export type RequesterProof = 'ssh' | 'github-oidc' | 'claimed';

/** The reviewed policy, where it was read, and how the requester is proven under it. */
export interface ReviewResult extends Omit<ReviewedPolicy, 'source'> {
  source: ReviewedPolicy['source'] | { release: string };
  requesterProof: RequesterProof;
}

/** A decision whose proof the worker checks (the verifyDecision activity), under the reviewed policy. */
export interface VerifyDecisionInput {
  decision: SignedClaims<DecisionClaims>;
  policy: DeploymentPolicy;
}

/** Identities allowed to approve: listed people plus the members of listed groups (lower case). */
export function approverIdentities(policy: Pick<DeploymentPolicy, 'approvers' | 'groups'>): string[] {
  return [...new Set(policy.approvers.flatMap((name) => policy.groups[name] ?? [name]).map(normalizeIdentity))].sort();
}

/** What the waiting deployment knows when it judges a decision. */
export interface DecisionContext {
  workflowId: string;
  runId: string;
  planHash: string;
  requestedBy: string;
  service: string;
  policy: DeploymentPolicy;
  /** Nonces of decisions already sent to this run: a replayed decision counts once. */
  usedNonces: ReadonlySet<string>;
  /** The canary a decision on it must name: its component and the step it is at; undefined for the plan's approval. */
  canary?: { component: string; step: number };
  now: number;
}

/**
 * Why a decision may not be accepted, or undefined when its claims may be (its signature is checked
 * next, by the worker). Runs as the approval Update's validator, so a refused decision never enters
 * the workflow's history.
 */
export function approvalProblem(decision: SignedClaims<DecisionClaims>, context: DecisionContext): string | undefined {
  const { claims, proof } = decision;
  const { policy } = context;
  if (claims?.purpose !== 'decision') return 'not a decision';
  if (claims.workflowId !== context.workflowId || claims.runId !== context.runId) {
    return `this decision is for another deployment (run ${claims.runId} of ${claims.workflowId}); the one waiting is run ${context.runId}: look at its plan and decide again`;
  }
  if (claims.planHash !== context.planHash) return `this decision is for another plan (${claims.planHash.slice(0, 12)}); the deployment waits with plan ${context.planHash.slice(0, 12)}: look at it and decide again`;
  const { canary } = context;
  if (claims.canaryComponent !== canary?.component || claims.canaryStep !== canary?.step) {
    if (!canary) return `this decision is for step ${claims.canaryStep} of the canary of ${claims.canaryComponent}; the deployment waits for the approval of its plan`;
    if (claims.canaryStep === undefined) return `this decision approves a plan; the deployment runs a canary of ${canary.component} at step ${canary.step}: promote or abort it`;
    return `this decision is for step ${claims.canaryStep} of the canary of ${claims.canaryComponent}; the canary of ${canary.component} is at step ${canary.step}: look at its figures and decide again`;
  }
  if (context.usedNonces.has(claims.nonce)) return 'this decision was already sent once (a replay); it is ignored';
  const age = context.now - Date.parse(claims.issuedAt);
  if (!(Math.abs(age) <= CLAIMS_MAX_AGE_MS)) return `this decision was signed at ${claims.issuedAt}, more than ${CLAIMS_MAX_AGE_MS / 60_000} minutes from now; decide again`;
  if (!proof) return `the decision of ${claims.by} is not signed; deployer approve signs it with your SSH key (deployer.yaml signingKeys)`;
  const proven = proof.type === 'ssh' ? 'cli' : proof.type === 'slack' ? 'slack' : undefined;
  if (proven !== claims.channel) return `a ${claims.channel} decision must be proven by ${claims.channel === 'slack' ? 'the Slack app' : 'an SSH signature'}`;
  return eligibilityProblem(claims, { requestedBy: context.requestedBy, service: context.service, policy });
}

/** The part of the policy that decides who may approve (what a deployment's progress shows clients). */
export type EligibilityPolicy = Pick<DeploymentPolicy, 'environment' | 'approval' | 'approvers' | 'groups'>;

export function eligibilityPolicy(policy: DeploymentPolicy): EligibilityPolicy {
  return { environment: policy.environment, approval: policy.approval, approvers: policy.approvers, groups: policy.groups };
}

/**
 * Why `by` may not take this decision through this channel under the policy, or undefined when they
 * may: the one rule the workflow's validator and the CLI's "may I approve?" both use.
 */
export function eligibilityProblem(
  decision: Pick<DecisionClaims, 'approve' | 'by' | 'channel'>,
  context: { requestedBy: string; service: string; policy: EligibilityPolicy },
): string | undefined {
  const { policy } = context;
  const withdrawal = !decision.approve && sameIdentity(decision.by, context.requestedBy);
  // The requester may always withdraw their own request, through any channel they can prove.
  if (withdrawal) return undefined;
  if (!policy.approval.channels.includes(decision.channel)) {
    return `approvals for ${policy.environment} must come through ${policy.approval.channels.join(' or ')}; ${decision.channel} was used`;
  }
  const allowed = approverIdentities(policy);
  if (!allowed.includes(normalizeIdentity(decision.by))) {
    return `${decision.by} is not an approver of ${context.service}; ask one of: ${allowed.join(', ') || '(none listed in service.yaml)'}`;
  }
  if (decision.approve && sameIdentity(decision.by, context.requestedBy) && !policy.approval.allowSelfApproval) {
    return `${decision.by} requested this deployment and cannot approve it too (${policy.environment} does not allow self-approval); ask another approver: ${allowed.filter((identity) => !sameIdentity(identity, decision.by)).join(', ')}`;
  }
  return undefined;
}

/** The identity deployer.yaml maps a Slack user to, compared without case. */
export function slackIdentity(policy: Pick<DeploymentPolicy, 'slackUsers'>, slackUserId: string): string | undefined {
  return Object.hasOwn(policy.slackUsers, slackUserId) ? normalizeIdentity(policy.slackUsers[slackUserId]!) : undefined;
}

/** The public keys deployer.yaml lists for an identity (keys are matched without case too). */
export function signingKeysOf(policy: Pick<DeploymentPolicy, 'signingKeys'>, identity: string): string[] {
  return Object.entries(policy.signingKeys).flatMap(([name, keys]) => (sameIdentity(name, identity) ? keys : []));
}

/**
 * Whether an approval tap must be confirmed (Slack's confirm dialog on the Approve button) before it
 * is sent: the environment's `approval.confirm`, else only in production, where an accidental tap
 * ships to customers.
 */
export function approvalNeedsConfirmation(environment: string, settings: { confirm?: boolean }): boolean {
  return settings.confirm ?? environment === 'production';
}

export interface RequestGateInput {
  /** The reviewed policy; undefined when the reviewed branch does not declare the environment. */
  policy?: DeploymentPolicy;
  kind: DeploymentKind;
  requestedBy: string;
  requesterProof: RequesterProof;
  commitReviewed: boolean;
  dirty: boolean;
  source: { repo: string; ref: string; commit: string } | { release: string };
}

export interface RequestGate {
  /** Why the deployment is refused before anything happens. */
  refusal?: string;
  approvalRequired: boolean;
  /** A rollback by someone on the breakGlass list: no approval, and the record says so. */
  breakGlass: boolean;
  /** The desired state came from a clean checkout of a commit on the reviewed branch. */
  reviewed: boolean;
}

/**
 * What a request may do under the reviewed policy. Where approval is required, a deployment must come
 * from a clean checkout of a commit on the reviewed branch and its requester must be proven (else the
 * self-approval rule could be dodged by claiming another name); a rollback needs approval too, unless
 * its proven requester is on the breakGlass list. Elsewhere anything goes, and is recorded.
 */
export function requestGate(input: RequestGateInput): RequestGate {
  const reviewed = input.commitReviewed && !input.dirty;
  const where = 'ref' in input.source ? `${input.source.ref} of ${input.source.repo} (at ${input.source.commit.slice(0, 12)})` : `the release ${input.source.release}`;
  if (!input.policy) {
    return { refusal: `the environment is not declared on the reviewed branch ${where}: merge environments/<name>.yaml there first`, approvalRequired: false, breakGlass: false, reviewed };
  }
  const { policy } = input;
  if (!policy.approval.required || input.kind === 'remediate') return { approvalRequired: false, breakGlass: false, reviewed };
  if (input.kind === 'deploy' && !reviewed) {
    const why = input.dirty ? 'the checkout has uncommitted changes' : 'its commit is not on the reviewed branch';
    return { refusal: `${policy.environment} requires approval, so it deploys only reviewed commits: ${why}. Commit, push and merge to ${where}, then apply from a clean checkout.`, approvalRequired: true, breakGlass: false, reviewed };
  }
  if (input.requesterProof === 'claimed') {
    return {
      refusal: `${policy.environment} requires approval, so its requester must be proven: sign with your SSH key listed for ${input.requestedBy} in deployer.yaml signingKeys (DEPLOYER_SIGNING_KEY or git's user.signingkey), or deploy from the GitHub "Deploy Stack" workflow`,
      approvalRequired: true,
      breakGlass: false,
      reviewed,
    };
  }
  const breakGlass = input.kind === 'rollback' && policy.breakGlass.some((identity) => sameIdentity(identity, input.requestedBy));
  return { approvalRequired: !breakGlass, breakGlass, reviewed };
}
