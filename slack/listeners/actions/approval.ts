import type { App, BlockButtonAction, types } from '@slack/bolt';
import { WorkflowNotFoundError } from '@temporalio/client';
import { APPROVE_ACTION_ID, decidedMessage, notWaitingText, refusedText, REJECT_ACTION_ID, unmappedUserText } from '../../../src/notify/slackMessages';
import { ApprovalRefusedError, NotWaitingError, sendApprovalDecision } from '../../../src/temporal/deployClient';
import { slackApproverQuery } from '../../../src/temporal/deployment';
import type { ListenerDeps } from '../deps';

/**
 * The approval request's Approve / Reject buttons. A click becomes the deployment's approval Update
 * as the clicking Slack user, mapped to an identity through the deployer.yaml the deployment was
 * started with; Slack signed the request, so the decision is sent as authenticated. The workflow's
 * validator decides who may: a refusal goes back to the clicker only, an accepted decision replaces
 * the buttons with the outcome for everyone.
 */
export function register(app: App, deps: ListenerDeps): void {
  for (const [actionId, approve] of [
    [APPROVE_ACTION_ID, true],
    [REJECT_ACTION_ID, false],
  ] as const) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, client, logger }) => {
      await ack();
      const workflowId = action.value;
      const channel = body.channel?.id;
      if (!workflowId || !channel) return;
      const slackUserId = body.user.id;
      const tell = (text: string) => client.chat.postEphemeral({ channel, user: slackUserId, text });
      let by: string;
      try {
        const who = await deps.temporal.workflow.getHandle(workflowId).query(slackApproverQuery, slackUserId);
        if (!who.identity) {
          await tell(unmappedUserText(slackUserId, who.approvers));
          return;
        }
        by = who.identity;
        await sendApprovalDecision(deps.temporal, workflowId, { approve, by, channel: 'slack', authenticated: true });
      } catch (error) {
        if (error instanceof ApprovalRefusedError) await tell(refusedText(approve, error.message));
        else if (error instanceof NotWaitingError || error instanceof WorkflowNotFoundError) await tell(notWaitingText(workflowId));
        else {
          logger.error(`approval button on ${workflowId} by ${slackUserId} failed`, error);
          await tell(`:x: Deployer could not take your decision (${(error as Error).message}); try again, or use \`deployer ${approve ? 'approve' : 'reject'}\`.`);
        }
        return;
      }
      // The decision is taken; a message that cannot be updated now must not read as a failed decision.
      if (body.message) {
        const original = { text: body.message.text, blocks: body.message.blocks as types.KnownBlock[] | undefined };
        await client.chat.update({ channel, ts: body.message.ts, ...decidedMessage(original, { approve, by, slackUserId }) }).catch((error: unknown) => logger.error(`approval message on ${workflowId} not updated`, error));
      }
    });
  }
}
