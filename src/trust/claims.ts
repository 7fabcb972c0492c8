// What a client asserts to the worker, in a form that can be signed: a request to deploy, or an
// approver's decision (on a plan, or on a running canary). Each names the exact deployment run (and, for a decision, the plan it saw),
// so a signature can never be moved to another deployment, and carries a nonce so it counts once.

/**
 * A decision on one deployment run's plan, by one identity, through one channel; with
 * `canaryComponent` and `canaryStep`, a decision on that run's canary of that component at that
 * step instead: promote it (approve) or abort it.
 */
export interface DecisionClaims {
  purpose: 'decision';
  workflowId: string;
  runId: string;
  /** Hash of the plan the approver saw (DeploymentProgress.approval.planHash). */
  planHash: string;
  approve: boolean;
  /**
   * The MicroService (`<service>/<component>`) whose canary this decision promotes or aborts, and
   * at which step (from 1). Part of what is signed, so an approval of the plan can never pass for a
   * promotion, nor a promotion for another canary or a later step.
   */
  canaryComponent?: string;
  canaryStep?: number;
  by: string;
  channel: 'cli' | 'slack';
  /** The Slack user who clicked, for decisions that came through the Slack app. */
  slackUserId?: string;
  comment?: string;
  issuedAt: string;
  nonce: string;
}

/** A request to deploy (or roll back) a service, by one identity. */
export interface RequestClaims {
  purpose: 'request';
  action: 'deploy' | 'rollback' | 'unlock' | 'decommission';
  stack: string;
  environment: string;
  /** The version to deploy; for a rollback the version asked for, or 'last-good'. */
  version: string;
  requestedBy: string;
  issuedAt: string;
  nonce: string;
}

export type Claims = DecisionClaims | RequestClaims;

/**
 * How a claim is proven: an SSH signature by a key deployer.yaml lists for the identity (CLI), an
 * HMAC with the key only the Slack app and the worker hold (Slack), or a GitHub Actions OIDC token.
 */
export type Proof = { type: 'ssh'; signature: string } | { type: 'slack'; mac: string } | { type: 'github-oidc'; token: string };

export interface SignedClaims<C extends Claims = Claims> {
  claims: C;
  proof?: Proof;
}

/** SSH signatures are made over bytes: one canonical rendering (sorted keys) signs and verifies. */
export function canonicalClaims(claims: Claims): string {
  return JSON.stringify(Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined).sort(([a], [b]) => a.localeCompare(b))));
}

/** Signed claims older (or newer) than this are refused: a captured one cannot be kept for later. */
export const CLAIMS_MAX_AGE_MS = 10 * 60_000;
