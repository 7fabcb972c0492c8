import { randomUUID } from 'node:crypto';
import type { App, BlockButtonAction, types } from '@slack/bolt';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ABORT_ACTION_ID, APPROVE_ACTION_ID, decidedMessage, notWaitingText, parseApprovalButtonValue, PROMOTE_ACTION_ID, refusedText, REJECT_ACTION_ID, unmappedUserText } from '../../../src/notify/slackMessages';
import { sendApprovalDecision, sendCanaryDecision } from '../../../src/temporal/deployClient';
import { slackApproverQuery } from '../../../src/temporal/deployment';
import type { DecisionClaims } from '../../../src/trust/claims';
import { slackDecisionMac } from '../../../src/trust/slackDecisionKey';
import type { ListenerDeps } from '../deps';
import { ApprovalRefusedError, NotWaitingError } from '../../../src/errors';

/** Slack retries and replays arrive within its five-minute signature window; a click counts once. */
const REPLAY_WINDOW_MS = 10 * 60_000;

/**
 * The approval request's Approve / Reject buttons, and a waiting canary's Promote / Abort. A click
 * becomes the deployment's approval (or canary) Update as the clicking Slack user, mapped to an
 * identity through the reviewed deployer.yaml; the decision names the run and plan the message was
 * posted for (and the canary's component and step) and is signed with the key only this app and the
 * worker hold. The workflow decides who may: a refusal goes back to the clicker only, an accepted
 * decision replaces the buttons with the outcome for everyone.
 */
export function register(app: App, deps: ListenerDeps): void {
  const seen = new Map<string, number>();
  const firstTime = (key: string, now: number): boolean => {
    for (const [old, at] of seen) if (now - at > REPLAY_WINDOW_MS) seen.delete(old);
    if (seen.has(key)) return false;
    seen.set(key, now);
    return true;
  };
  for (const [actionId, approve, canary] of [
    [APPROVE_ACTION_ID, true, false],
    [REJECT_ACTION_ID, false, false],
    [PROMOTE_ACTION_ID, true, true],
    [ABORT_ACTION_ID, false, true],
  ] as const) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, client, logger }) => {
      await ack();
      const target = parseApprovalButtonValue(action.value);
      const channel = body.channel?.id;
      const slackUserId = body.user.id;
      // A replayed request repeats the click's action_ts: ignore it.
      if (!channel || !firstTime(`${slackUserId}:${action.action_ts}:${action.value}`, Date.now())) return;
      const tell = (text: string) => client.chat.postEphemeral({ channel, user: slackUserId, text });
      if (!target || canary !== (target.canaryStep !== undefined)) {
        await tell(':warning: This approval message is from an older deployer and names no deployment run; use `deployer approve` or the newest message.');
        return;
      }
      const { workflowId } = target;
      let by: string;
      try {
        const who = await deps.temporal.workflow.getHandle(workflowId).query(slackApproverQuery, slackUserId);
        if (!who.identity) {
          await tell(unmappedUserText(slackUserId, who.approvers));
          return;
        }
        by = who.identity;
        const claims: DecisionClaims = { purpose: 'decision', ...target, approve, by, channel: 'slack', slackUserId, issuedAt: new Date().toISOString(), nonce: randomUUID() };
        const decision = { claims, proof: { type: 'slack' as const, mac: slackDecisionMac(claims, deps.decisionKey) } };
        await (canary ? sendCanaryDecision(deps.temporal, workflowId, decision) : sendApprovalDecision(deps.temporal, workflowId, decision));
      } catch (error) {
        if (error instanceof ApprovalRefusedError) await tell(refusedText(approve, error.message, canary));
        else if (error instanceof NotWaitingError || error instanceof WorkflowNotFoundError) await tell(notWaitingText(workflowId));
        else {
          logger.error(`approval button on ${workflowId} by ${slackUserId} failed`, error);
          await tell(`:x: Deployer could not take your decision (${(error as Error).message}); try again, or use \`deployer ${canary ? (approve ? 'promote' : 'abort') : approve ? 'approve' : 'reject'}\`.`);
        }
        return;
      }
      // The decision is taken; a message that cannot be updated now must not read as a failed decision.
      if (body.message) {
        const original = { text: body.message.text, blocks: body.message.blocks as types.KnownBlock[] | undefined };
        await client.chat.update({ channel, ts: body.message.ts, ...decidedMessage(original, { approve, by, slackUserId, canary }) }).catch((error: unknown) => logger.error(`approval message on ${workflowId} not updated`, error));
      }
    });
  }
}
