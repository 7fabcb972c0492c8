import { ApplicationFailure } from '@temporalio/activity';
import type { DeploymentPolicy } from '../src/model/types';
import { RequesterProof, ReviewInput, ReviewResult, signingKeysOf, slackIdentity, VerifyDecisionInput } from '../src/temporal/approval';
import { canonicalClaims, CLAIMS_MAX_AGE_MS } from '../src/trust/claims';
import { normalizeIdentity, sameIdentity } from '../src/trust/identity';
import type { TrustPorts } from './ports';
import { slackDecisionMacValid } from '../src/trust/slackDecisionKey';
import { sshVerify } from '../src/trust/sshSignatures';
import { PolicyUnavailableError } from '../src/errors';

export function createTrustActivities(ports: TrustPorts) {
  /**
   * The approval policy from the reviewed branch. A rollback or remediation run without a checkout
   * (on a worker with no reviewed repo configured) uses the policy recorded with the service's newest
   * release, which itself came from the reviewed branch.
   */
  async function reviewedPolicy(input: ReviewInput): Promise<Omit<ReviewResult, 'requesterProof'>> {
    try {
      return await ports.policy.read(input);
    } catch (error) {
      if (error instanceof PolicyUnavailableError && input.kind !== 'deploy') {
        const recorded = (await ports.releases.history(input.stack, input.environment, input.service)).find((record) => record.policy);
        if (recorded?.policy) return { policy: recorded.policy, source: { release: `${recorded.version} (${recorded.finishedAt})` }, commitReviewed: true };
      }
      if (error instanceof PolicyUnavailableError) throw ApplicationFailure.nonRetryable(error.message, 'PolicyUnavailable');
      throw error;
    }
  }

  /** Proves who asked for a deployment; 'claimed' when the request carries no valid proof. */
  async function proveRequester(input: ReviewInput, policy: DeploymentPolicy): Promise<RequesterProof> {
    const { request } = input;
    if (!request?.proof) return 'claimed';
    const { claims, proof } = request;
    const fresh = Math.abs(Date.now() - Date.parse(claims.issuedAt)) <= CLAIMS_MAX_AGE_MS;
    // A rollback names the version it asked for ('last-good' when none): the release it lands on is the worker's choice.
    const sameAction = input.kind === 'deploy' ? claims.action === 'deploy' && claims.version === input.version : claims.action === input.kind;
    const matches = claims.purpose === 'request' && sameAction && claims.stack === input.stack && claims.environment === input.environment && sameIdentity(claims.requestedBy, input.requestedBy);
    if (!fresh || !matches) return 'claimed';
    if (proof.type === 'ssh') return (await sshVerify(canonicalClaims(claims), proof.signature, normalizeIdentity(claims.requestedBy), signingKeysOf(policy, claims.requestedBy))) ? 'ssh' : 'claimed';
    if (proof.type === 'github-oidc' && ports.verifyGithubToken) {
      const { actor } = await ports.verifyGithubToken(proof.token).catch(() => ({ actor: undefined as string | undefined }));
      if (!actor) return 'claimed';
      const mapped = Object.hasOwn(policy.githubUsers, actor) ? policy.githubUsers[actor]! : `github:${actor}`;
      return sameIdentity(mapped, input.requestedBy) ? 'github-oidc' : 'claimed';
    }
    return 'claimed';
  }

  return {
    /** Reads the reviewed policy and proves the requester under it: what the request gate decides by. */
    async reviewRequest(input: ReviewInput): Promise<ReviewResult> {
      const reviewed = await reviewedPolicy(input);
      return { ...reviewed, requesterProof: reviewed.policy ? await proveRequester(input, reviewed.policy) : 'claimed' };
    },

    /**
     * Checks a decision's proof: an SSH signature by a key deployer.yaml (reviewed) lists for the
     * decider, or the Slack app's HMAC naming a Slack user that deployer.yaml maps to the decider.
     * Returns why it fails, or undefined when it is proven.
     */
    async verifyDecision(input: VerifyDecisionInput): Promise<string | undefined> {
      const { claims, proof } = input.decision;
      if (proof?.type === 'ssh') {
        const keys = signingKeysOf(input.policy, claims.by);
        if (!keys.length) return `deployer.yaml (reviewed) lists no signing key for ${claims.by}: add their SSH public key under spec.signingKeys`;
        const valid = await sshVerify(canonicalClaims(claims), proof.signature, normalizeIdentity(claims.by), keys);
        return valid ? undefined : `the signature is not made by a key deployer.yaml lists for ${claims.by}`;
      }
      if (proof?.type === 'slack') {
        if (!slackDecisionMacValid(claims, proof.mac, ports.slackDecisionKey)) return 'the decision is not signed by the Slack app (DEPLOYER_SLACK_DECISION_KEY differs, or the decision was forged)';
        const mapped = claims.slackUserId === undefined ? undefined : slackIdentity(input.policy, claims.slackUserId);
        return mapped && sameIdentity(mapped, claims.by) ? undefined : `Slack user ${claims.slackUserId ?? '?'} is not mapped to ${claims.by} in deployer.yaml slackUsers`;
      }
      return 'the decision carries no proof';
    },
  };
}
