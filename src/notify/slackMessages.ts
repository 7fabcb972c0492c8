import type { types } from '@slack/bolt';
import { display } from '../drift/report';
import { formatDelta, formatUsd } from '../plan/cost';
import { describeChange } from '../plan/describeChange';
import type { DeploymentNotification, NotificationDetails, NotificationType } from './notifier';
import { parseComponentId } from '../model/componentRef';

// Slack messages for deployer notifications and the Slack app's answers: pure functions from what a
// notification carries to Block Kit, shared by the worker's SlackNotifier and the Bolt app in slack/.
// Everything shown comes from the notification, which never carries secret values.

type KnownBlock = types.KnownBlock;

/** Block Kit `action_id`s of the approval request's buttons; their `value` is an ApprovalButtonValue (JSON). */
export const APPROVE_ACTION_ID = 'deployer_approve';
export const REJECT_ACTION_ID = 'deployer_reject';
/** The buttons of a canary waiting at a manual step; their `value` names the canary's component and step too. */
export const PROMOTE_ACTION_ID = 'deployer_promote';
export const ABORT_ACTION_ID = 'deployer_abort';

/** A message as chat.postMessage / chat.update take it: blocks, and text for notifications and screen readers. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const HEADLINE: Record<NotificationType, string> = {
  started: ':rocket: Deployment started',
  'awaiting-approval': ':raising_hand: Approval needed',
  canary: ':hatching_chick: Canary step',
  succeeded: ':white_check_mark: Deployment succeeded',
  failed: ':x: Deployment failed',
  'rolled-back': ':rewind: Deployment rolled back',
  rejected: ':no_entry_sign: Deployment rejected',
  'timed-out': ':hourglass: Approval timed out',
  cancelled: ':octagonal_sign: Deployment cancelled',
  drift: ':warning: Drift found',
  'lock-forced': ':unlock: Lock forced open',
  'stale-lock-cleared': ':broom: Stale engine lock cleared',
};

const BY_LABEL: Partial<Record<NotificationType, string>> = { 'lock-forced': 'Forced by', drift: 'Checked by' };

// Slack cuts a section's text at 3000 characters; long plans end with how many lines were left out.
const SECTION_LIMIT = 2900;

/** The channel message for a notification: headline, who/where, what the type needs, and buttons when it asks for approval. */
export function notificationMessage(notification: DeploymentNotification): SlackMessage {
  const headline = `${HEADLINE[notification.type]}: ${notification.service}${notification.version ? ` ${notification.version}` : ''} in ${notification.environment}`;
  const fields = [
    ['Stack', notification.stack],
    ['Service', notification.service],
    ['Environment', notification.environment],
    ...(notification.version ? [['Version', notification.version]] : []),
    ...(notification.by ? [[BY_LABEL[notification.type] ?? 'Requested by', notification.by]] : []),
  ];
  const blocks: KnownBlock[] = [
    section(`*${escape(headline)}*`),
    { type: 'section', fields: fields.map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${escape(value!)}` })) },
    ...body(notification),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: [notification.workflowId ? `Workflow \`${escape(notification.workflowId)}\`` : undefined, slackDate(notification.at)].filter(Boolean).join(' · ') }],
    },
  ];
  // The fallback text is mrkdwn too: escaped, so a version or error text cannot @-mention a channel.
  return { text: escape(`${headline}: ${notification.message}`), blocks };
}

function body(notification: DeploymentNotification): KnownBlock[] {
  const details = notification.details ?? {};
  switch (notification.type) {
    case 'awaiting-approval':
      return approvalRequest(notification, details);
    case 'succeeded':
      return [section(details.durationSeconds === undefined ? escape(notification.message) : `Deployed ${escape(notification.version ?? 'the new release')} in ${duration(details.durationSeconds)}.`)];
    case 'failed':
      return [section(`*Why:* ${escape(notification.message)}`), ...breachValues(details)];
    case 'rolled-back':
      return [
        section(`*Trigger:* ${escape(details.trigger?.reason ?? notification.message)}`),
        ...breachValues(details),
        section('The last good release was re-applied and serves again.'),
      ];
    case 'canary':
      return [section(escape(notification.message)), ...(details.canary && notification.workflowId ? [canaryButtons({ workflowId: notification.workflowId, runId: details.canary.runId, planHash: details.canary.planHash, canaryComponent: details.canary.component, canaryStep: details.canary.step })] : [])];
    case 'drift':
      return details.drift?.length ? [section(clip(['*New drift:*', ...details.drift.map(driftLine)]))] : [section(escape(notification.message))];
    default:
      return [section(escape(notification.message))];
  }
}

function approvalRequest(notification: DeploymentNotification, details: NotificationDetails): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const changes = details.changes ?? [];
  blocks.push(section(changes.length ? clip(['*Changes:*', ...changes.map(changeLine)]) : escape(notification.message)));
  if (details.cost) {
    blocks.push(section(`*Estimated cost:* ${formatDelta(details.cost.delta)}/month (${formatUsd(details.cost.current)} → ${formatUsd(details.cost.new)})`));
  }
  if (details.approval) {
    const deadline = details.approval.deadline ? `\n*Decide by:* ${slackDate(details.approval.deadline)}` : '';
    blocks.push(section(`*Approvers:* ${escape(details.approval.approvers.join(', ') || '(none listed in service.yaml)')}${deadline}`));
  }
  // Without a workflow id a click could not reach the deployment: no buttons then.
  if (notification.workflowId) blocks.push(approvalButtons(notification, details.approval?.confirm ?? false, { workflowId: notification.workflowId, runId: details.approval?.runId ?? '', planHash: details.approval?.planHash ?? '' }));
  return blocks;
}

/** What an approval button names: the exact run and plan it decides on; a canary's buttons, also the canary and its step. */
export interface ApprovalButtonValue {
  workflowId: string;
  runId: string;
  planHash: string;
  canaryComponent?: string;
  canaryStep?: number;
}

/** The button's value as sent; undefined when it is not one of ours (or an older message's bare workflow id). */
export function parseApprovalButtonValue(value: string | undefined): ApprovalButtonValue | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<ApprovalButtonValue>;
    if (!(typeof parsed.workflowId === 'string' && typeof parsed.runId === 'string' && typeof parsed.planHash === 'string')) return undefined;
    const target = { workflowId: parsed.workflowId, runId: parsed.runId, planHash: parsed.planHash };
    return typeof parsed.canaryComponent === 'string' && Number.isInteger(parsed.canaryStep) ? { ...target, canaryComponent: parsed.canaryComponent, canaryStep: parsed.canaryStep } : target;
  } catch {
    return undefined;
  }
}

function canaryButtons(target: ApprovalButtonValue): KnownBlock {
  const value = JSON.stringify(target);
  return {
    type: 'actions',
    block_id: 'deployer_canary',
    elements: [
      { type: 'button', action_id: PROMOTE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Promote' }, value },
      { type: 'button', action_id: ABORT_ACTION_ID, style: 'danger', text: { type: 'plain_text', text: 'Abort' }, value },
    ],
  };
}

function approvalButtons(notification: DeploymentNotification, confirm: boolean, target: ApprovalButtonValue): KnownBlock {
  const value = JSON.stringify(target);
  const approve: types.Button = { type: 'button', action_id: APPROVE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value };
  if (confirm) {
    approve.confirm = {
      title: { type: 'plain_text', text: `Approve for ${notification.environment}?`.slice(0, 100) },
      text: { type: 'mrkdwn', text: `This deploys ${escape(notification.service)}${notification.version ? ` ${escape(notification.version)}` : ''} to *${escape(notification.environment)}*.` },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'primary',
    };
  }
  const reject: types.Button = { type: 'button', action_id: REJECT_ACTION_ID, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value };
  return { type: 'actions', block_id: 'deployer_approval', elements: [approve, reject] };
}

function changeLine(change: NonNullable<NotificationDetails['changes']>[number]): string {
  const name = parseComponentId(change.id)?.component ?? change.id;
  const described = describeChange(change);
  return `• \`${escape(name)}\` (${change.kind}) ${change.action.toUpperCase()}${described.length ? `: ${escape(described.join('; '))}` : ''}`;
}

function driftLine(finding: NonNullable<NotificationDetails['drift']>[number]): string {
  const head = `• \`${escape(finding.component)}\` (${finding.kind})`;
  if (!finding.field) return `${head} deleted outside deployer — HIGH`;
  const field = finding.field;
  return `${head} ${escape(field.field)}: ${escape(display(field.desired))} → ${escape(display(field.actual))} — ${field.severity.toUpperCase()}, ${escape(field.cause)}`;
}

function breachValues(details: NotificationDetails): KnownBlock[] {
  const breach = details.trigger?.breach;
  if (!breach) return [];
  const values = [
    `error rate ${round(breach.errorRatePercent)}% (threshold ${breach.thresholds.errorRatePercent}%)`,
    `p99 latency ${Math.round(breach.p99LatencyMs)} ms (threshold ${breach.thresholds.p99LatencyMs} ms)`,
    ...(breach.unhealthy.length ? [`unhealthy: ${breach.unhealthy.join(', ')}`] : []),
  ];
  return [section(`*Monitoring saw:* ${escape(values.join(' · '))}`)];
}

/**
 * The approval request after someone decided: the buttons give way to the outcome and who decided
 * (their deployer identity and Slack user), so nobody taps a request that is settled.
 */
export function decidedMessage(original: { text?: string; blocks?: KnownBlock[] }, decision: { approve: boolean; by: string; slackUserId: string; canary?: boolean }): SlackMessage {
  const done = DECIDED[decision.canary ? 'canary' : 'approval'][decision.approve ? 'yes' : 'no'];
  const line = `${decision.approve ? ':white_check_mark:' : ':no_entry_sign:'} *${capitalize(done)}* by ${escape(decision.by)} (<@${decision.slackUserId}>)`;
  const kept = (original.blocks ?? []).filter((block) => block.type !== 'actions');
  return {
    text: `${original.text ?? 'Deployment approval'} (${done} by ${decision.by})`,
    blocks: [...kept, section(line)],
  };
}

/** What a decision did, and what it is called, for approvals and for canaries. */
const DECIDED = { approval: { yes: 'approved', no: 'rejected' }, canary: { yes: 'promoted', no: 'aborted' } } as const;
const DECISION_NAME = { approval: { yes: 'approval', no: 'rejection' }, canary: { yes: 'promotion', no: 'abort' } } as const;

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Ephemeral answer to a Slack user deployer.yaml does not map to an identity. */
export function unmappedUserText(slackUserId: string, approvers: string[]): string {
  return (
    `:warning: Deployer does not know who <@${slackUserId}> is, so it cannot accept your decision. ` +
    `Add \`${slackUserId}: you@company.com\` under \`spec.slackUsers\` in the deployment repo's deployer.yaml; deployments started after that change know you. ` +
    `Who may decide on this one: ${escape(approvers.join(', ') || '(no approvers listed in service.yaml)')}.`
  );
}

/** Ephemeral answer when the deployment refused the decision; the reason says who may decide instead. */
export function refusedText(approve: boolean, reason: string, canary = false): string {
  return `:no_entry: Your ${DECISION_NAME[canary ? 'canary' : 'approval'][approve ? 'yes' : 'no']} was not accepted: ${escape(reason)}`;
}

/** Ephemeral answer when the deployment behind the buttons has ended. */
export function notWaitingText(workflowId: string): string {
  return `Nothing waits for a decision here any more: \`${escape(workflowId)}\` is not running.`;
}

/** `/deployer status`'s answer: the CLI's status box (with the running deployment, if any) in a code block. */
export function statusText(renderedBox: string): string {
  return `\`\`\`\n${escape(renderedBox)}\n\`\`\``;
}

/** `/deployer` without a command it knows. */
export function usageText(command: string): string {
  return `Usage: \`${command} status <service> <environment> [stack]\` shows what runs for a service, as \`deployer status\` does.`;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Lines joined into one section's text, cut at Slack's limit with a count of what was left out. */
function clip(lines: string[]): string {
  const kept: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const more = `…and ${lines.length - index} more`;
    if (length + line.length + 1 > SECTION_LIMIT - more.length) return [...kept, more].join('\n');
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}

/** Slack's three control characters, as its mrkdwn requires them escaped. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A timestamp every reader sees in their own time zone; the ISO form where Slack cannot format it. */
function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isNaN(seconds) ? escape(iso) : `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

function duration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m ${seconds % 60}s` : `${seconds}s`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}
