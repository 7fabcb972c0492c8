import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { eligibilityProblem } from '../src/temporal/approval';
import { ApprovalState, DeploymentProgress } from '../src/temporal/deployment';
import { sendApprovalDecision, sendCanaryDecision } from '../src/temporal/deployClient';
import type { CanaryProgress } from '../src/releases/canary';
import { canonicalClaims, Claims, DecisionClaims, Proof, RequestClaims, SignedClaims } from '../src/trust/claims';
import { signingKeyFile, sshSign } from '../src/trust/sshSignatures';
import { DeployerError } from '../src/errors';

// The CLI proves who runs it by signing with their SSH key (the worker checks it against the keys
// deployer.yaml lists), and, in GitHub Actions, with the job's OIDC token. Requests and decisions go
// out signed whenever a key is found; where approval is required the worker refuses unsigned ones.

/** The proof for `claims`: the GitHub OIDC token for a request made in Actions, else an SSH signature, else none. */
async function prove(claims: Claims, cwd: string | undefined, required: boolean): Promise<Proof | undefined> {
  const oidcToken = process.env.DEPLOYER_GITHUB_OIDC_TOKEN;
  if (claims.purpose === 'request' && oidcToken) return { type: 'github-oidc', token: oidcToken };
  let keyFile: string | undefined;
  try {
    keyFile = signingKeyFile(process.env, gitSigningKey(cwd));
  } catch (error) {
    throw new DeployerError((error as Error).message, 'NO_SIGNING_KEY');
  }
  if (!keyFile) {
    if (!required) return undefined;
    throw new DeployerError(
      'no SSH signing key found to prove who you are: set DEPLOYER_SIGNING_KEY to your private key (its public key must be under your identity in deployer.yaml signingKeys), or configure git\'s user.signingkey',
      'NO_SIGNING_KEY',
    );
  }
  return { type: 'ssh', signature: await sshSign(canonicalClaims(claims), keyFile) };
}

/**
 * A deployment request, signed where the checkout says approval is required (the worker decides by
 * the reviewed policy and refuses an unproven requester there; elsewhere nobody is asked for a key).
 */
export async function signedRequest(fields: Omit<RequestClaims, 'purpose' | 'issuedAt' | 'nonce'>, approvalRequired: boolean, cwd?: string): Promise<SignedClaims<RequestClaims>> {
  const claims: RequestClaims = { purpose: 'request', ...fields, issuedAt: new Date().toISOString(), nonce: randomUUID() };
  return { claims, proof: approvalRequired ? await prove(claims, cwd, false) : undefined };
}

/** Whether `identity` may take this decision on the waiting deployment, by the workflow's own rule (it has the last word). */
export function decisionProblem(identity: string, approve: boolean, progress: DeploymentProgress): string | undefined {
  const policy = progress.approval.policy;
  if (!policy) return 'this deployment does not wait for approval';
  return eligibilityProblem({ approve, by: identity, channel: 'cli' }, { requestedBy: progress.requestedBy, service: progress.service, policy });
}

/**
 * Signs a decision on the exact run and plan `progress` shows and sends it as the approval Update:
 * the one way `approve`, `reject`, `apply --yes` and the approval prompt decide.
 */
export async function sendSignedDecision(client: Client, progress: DeploymentProgress, decision: { approve: boolean; by: string; comment?: string }, cwd?: string): Promise<ApprovalState> {
  const { runId, planHash } = progress.approval;
  if (!runId || !planHash) throw new DeployerError(`${progress.workflowId} has no plan waiting for a decision yet; try again in a moment`, 'NOT_WAITING');
  const claims: DecisionClaims = { purpose: 'decision', workflowId: progress.workflowId, runId, planHash, ...decision, channel: 'cli', issuedAt: new Date().toISOString(), nonce: randomUUID() };
  return sendApprovalDecision(client, progress.workflowId, { claims, proof: await prove(claims, cwd, true) });
}

/**
 * Signs a decision on the canary of `canary.component` at `canary.step` of the run `progress` shows,
 * and sends it as the canary Update: the one way `promote` and `abort` decide.
 */
export async function sendSignedCanaryDecision(
  client: Client,
  progress: DeploymentProgress,
  canary: { component: string; step: number },
  decision: { approve: boolean; by: string; comment?: string },
  cwd?: string,
): Promise<CanaryProgress> {
  const { runId, planHash } = progress.approval;
  if (!runId || !planHash) throw new DeployerError(`${progress.workflowId} has no plan yet; try again in a moment`, 'NOT_WAITING');
  const claims: DecisionClaims = {
    purpose: 'decision',
    workflowId: progress.workflowId,
    runId,
    planHash,
    ...decision,
    canaryComponent: canary.component,
    canaryStep: canary.step,
    channel: 'cli',
    issuedAt: new Date().toISOString(),
    nonce: randomUUID(),
  };
  return sendCanaryDecision(client, progress.workflowId, { claims, proof: await prove(claims, cwd, true) });
}

function gitSigningKey(cwd: string | undefined): string | undefined {
  try {
    return execFileSync('git', ['config', 'user.signingkey'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}
