import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalClaims, DecisionClaims } from './claims';

// Slack proves to the Slack app who clicked (request signatures); the Slack app proves it to the
// worker with an HMAC under DEPLOYER_SLACK_DECISION_KEY, a secret only the two of them hold. A
// Temporal client without the key cannot make a decision pass as coming from Slack.

export const SLACK_DECISION_KEY_ENV = 'DEPLOYER_SLACK_DECISION_KEY';

export function slackDecisionMac(claims: DecisionClaims, key: string): string {
  return createHmac('sha256', key).update(canonicalClaims(claims)).digest('base64');
}

export function slackDecisionMacValid(claims: DecisionClaims, mac: string, key: string | undefined): boolean {
  if (!key) return false;
  const expected = Buffer.from(slackDecisionMac(claims, key), 'base64');
  const given = Buffer.from(mac, 'base64');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
