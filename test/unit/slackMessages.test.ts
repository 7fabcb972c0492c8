import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { types } from '@slack/bolt';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { buildPlan } from '../../src/plan/buildPlan';
import type { DeploymentNotification } from '../../src/notify/notifier';
import {
  ABORT_ACTION_ID,
  APPROVE_ACTION_ID,
  PROMOTE_ACTION_ID,
  parseApprovalButtonValue,
  decidedMessage,
  escape,
  notificationMessage,
  notWaitingText,
  refusedText,
  REJECT_ACTION_ID,
  statusText,
  unmappedUserText,
  usageText,
} from '../../src/notify/slackMessages';
import { approvalNeedsConfirmation } from '../../src/temporal/approval';

const example = path.resolve(__dirname, '../../examples/deployment-repo');
const base = {
  stack: 'user-platform',
  environment: 'production',
  service: 'notification-service',
  version: 'v1.3.0',
  by: 'alice@company.com',
  channel: '#notifications-deploys',
  workflowId: 'deploy/user-platform/production/notification-service',
  at: '2026-01-15T14:30:00.000Z',
};

/** Every mrkdwn text of a message, one string per text object, in order. */
function texts(blocks: types.KnownBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'section') return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((field) => field.text)];
    if (block.type === 'context') return block.elements.map((element) => ('text' in element ? element.text : ''));
    return [];
  });
}

function buttons(blocks: types.KnownBlock[]): types.Button[] {
  const actions = blocks.find((block): block is types.ActionsBlock => block.type === 'actions');
  return (actions?.elements ?? []) as types.Button[];
}

describe('Slack messages', () => {
  describe('approval request', () => {
    let changes: NonNullable<NonNullable<DeploymentNotification['details']>['changes']>;

    // The example's notification-service going from v1.2.0 to v1.3.0 with a new secret variable, planned for real.
    beforeAll(() => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-slack-messages-'));
      try {
        fs.cpSync(example, root, { recursive: true });
        const load = (version: string): DesiredStack => loadDesiredStack({ root, stack: 'user-platform', environment: 'production', variables: { VERSION: version } });
        const before = load('v1.2.0');
        const released = new Map(before.services.map((service) => [service.name, service.components.map(({ source: _source, ...component }) => component)]));
        const file = path.join(root, 'stacks/user-platform/services/notification-service/components/api/microservice.yaml');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    - name: LOG_LEVEL\n      value: info\n', '    - name: LOG_LEVEL\n      value: info\n    - name: SMTP_PASSWORD\n      value: hunter2\n'));
        const plan = buildPlan(load('v1.3.0'), (service) => released.get(service) ?? [], ['notification-service']);
        changes = [...plan.waves.flatMap((wave) => wave.changes), ...plan.deletions];
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    function request(confirm: boolean): DeploymentNotification {
      return {
        ...base,
        type: 'awaiting-approval',
        message: 'waiting for approval by notifications-team-lead, platform-team (cost +$0.00/month)',
        details: {
          changes,
          cost: { current: 245, new: 330, delta: 85 },
          approval: { approvers: ['notifications-team-lead', 'platform-team'], deadline: '2026-01-16T14:30:00.000Z', confirm, runId: 'run-7', planHash: 'c0ffee' },
        },
      };
    }

    it('shows the plan\'s changes, cost, who asked, where, who may approve and until when; never a secret value', () => {
      const message = notificationMessage(request(true));
      expect(message.text).toBe(':raising_hand: Approval needed: notification-service v1.3.0 in production: waiting for approval by notifications-team-lead, platform-team (cost +$0.00/month)');
      expect(texts(message.blocks)).toEqual([
        '*:raising_hand: Approval needed: notification-service v1.3.0 in production*',
        '*Stack*\nuser-platform',
        '*Service*\nnotification-service',
        '*Environment*\nproduction',
        '*Version*\nv1.3.0',
        '*Requested by*\nalice@company.com',
        '*Changes:*\n• `api` (MicroService) UPDATE: image: v1.2.0 → v1.3.0; environment: +SMTP_PASSWORD',
        '*Estimated cost:* +$85.00/month ($245.00 → $330.00)',
        '*Approvers:* notifications-team-lead, platform-team\n*Decide by:* <!date^1768573800^{date_short_pretty} {time}|2026-01-16T14:30:00.000Z>',
        'Workflow `deploy/user-platform/production/notification-service` · <!date^1768487400^{date_short_pretty} {time}|2026-01-15T14:30:00.000Z>',
      ]);
      expect(JSON.stringify(message)).not.toContain('hunter2');
    });

    it('binds Approve and Reject to the run and plan; Approve asks for confirmation where the environment needs it', () => {
      const confirmed = buttons(notificationMessage(request(true)).blocks);
      const target = { workflowId: base.workflowId, runId: 'run-7', planHash: 'c0ffee' };
      expect(confirmed.map((button) => [button.action_id, parseApprovalButtonValue(button.value), button.style])).toEqual([
        [APPROVE_ACTION_ID, target, 'primary'],
        [REJECT_ACTION_ID, target, 'danger'],
      ]);
      // A message posted before buttons named the run (a bare workflow id) decides nothing.
      expect(parseApprovalButtonValue(base.workflowId)).toBeUndefined();
      expect(confirmed[0]!.confirm).toEqual({
        title: { type: 'plain_text', text: 'Approve for production?' },
        text: { type: 'mrkdwn', text: 'This deploys notification-service v1.3.0 to *production*.' },
        confirm: { type: 'plain_text', text: 'Approve' },
        deny: { type: 'plain_text', text: 'Cancel' },
        style: 'primary',
      });
      expect(confirmed[1]!.confirm).toBeUndefined();
      expect(buttons(notificationMessage(request(false)).blocks).map((button) => button.confirm)).toEqual([undefined, undefined]);
    });

    it('has no buttons when there is no workflow to send the decision to', () => {
      expect(buttons(notificationMessage({ ...request(true), workflowId: undefined }).blocks)).toEqual([]);
    });

    it('after a decision: the buttons give way to the outcome and who decided, the plan stays', () => {
      const posted = notificationMessage(request(true));
      const approved = decidedMessage(posted, { approve: true, by: 'carol@company.com', slackUserId: 'U0CAROL' });
      expect(buttons(approved.blocks)).toEqual([]);
      expect(texts(approved.blocks).at(-1)).toBe(':white_check_mark: *Approved* by carol@company.com (<@U0CAROL>)');
      expect(texts(approved.blocks)).toContain('*Changes:*\n• `api` (MicroService) UPDATE: image: v1.2.0 → v1.3.0; environment: +SMTP_PASSWORD');
      expect(approved.text).toBe(`${posted.text} (approved by carol@company.com)`);
      const rejected = decidedMessage(posted, { approve: false, by: 'alice@company.com', slackUserId: 'U0ALICE' });
      expect(texts(rejected.blocks).at(-1)).toBe(':no_entry_sign: *Rejected* by alice@company.com (<@U0ALICE>)');
    });

    it('cuts a plan too long for one Slack section and says how much was left out', () => {
      const long = request(false);
      const change = long.details!.changes![0]!;
      long.details!.changes = Array.from({ length: 200 }, (_, index) => ({ ...change, id: `notification-service/api-${index}` }));
      const changes = texts(notificationMessage(long).blocks).find((text) => text.startsWith('*Changes:*'))!;
      expect(changes.length).toBeLessThanOrEqual(3000);
      expect(changes).toMatch(/\n…and \d+ more$/);
      const shown = changes.split('\n').length - 2;
      expect(changes.endsWith(`…and ${200 - shown} more`)).toBe(true);
    });
  });

  it('a canary step is one line; at a manual step Promote and Abort name the run, plan, canary and step, and a decision replaces them', () => {
    const passed = notificationMessage({ ...base, type: 'canary', message: 'canary v1.3.0 of notification-service/api, step 1 (5%): passed (error rate 0% vs stable 0%)' });
    expect(passed.text).toBe(':hatching_chick: Canary step: notification-service v1.3.0 in production: canary v1.3.0 of notification-service/api, step 1 (5%): passed (error rate 0% vs stable 0%)');
    expect(buttons(passed.blocks)).toEqual([]);

    const waiting = notificationMessage({ ...base, type: 'canary', message: 'canary v1.3.0 of notification-service/api takes 25% of requests and waits for `deployer promote`', details: { canary: { runId: 'run-7', planHash: 'c0ffee', component: 'notification-service/api', step: 2 } } });
    const target = { workflowId: base.workflowId, runId: 'run-7', planHash: 'c0ffee', canaryComponent: 'notification-service/api', canaryStep: 2 };
    expect(buttons(waiting.blocks).map((button) => [button.action_id, parseApprovalButtonValue(button.value), button.style])).toEqual([
      [PROMOTE_ACTION_ID, target, 'primary'],
      [ABORT_ACTION_ID, target, 'danger'],
    ]);
    const promoted = decidedMessage(waiting, { approve: true, by: 'carol@company.com', slackUserId: 'U0CAROL', canary: true });
    expect(buttons(promoted.blocks)).toEqual([]);
    expect(texts(promoted.blocks)).toContain(':white_check_mark: *Promoted* by carol@company.com (<@U0CAROL>)');
    expect(refusedText(false, 'no canary runs', true)).toBe(':no_entry: Your abort was not accepted: no canary runs');
  });

  it('says how long a successful deployment took', () => {
    const message = notificationMessage({ ...base, type: 'succeeded', message: 'v1.3.0 deployed in 4m 32s', details: { durationSeconds: 272 } });
    expect(message.text).toBe(':white_check_mark: Deployment succeeded: notification-service v1.3.0 in production: v1.3.0 deployed in 4m 32s');
    expect(texts(message.blocks)).toContain('Deployed v1.3.0 in 4m 32s.');
  });

  it('says why a deployment failed', () => {
    const message = notificationMessage({ ...base, type: 'failed', message: 'wave 2 health gate: api-1 unhealthy (/health -> HTTP 503); rollback failed too: engine crashed' });
    expect(texts(message.blocks)).toContain('*Why:* wave 2 health gate: api-1 unhealthy (/health -&gt; HTTP 503); rollback failed too: engine crashed');
  });

  it('names what triggered a rollback and the values monitoring saw', () => {
    const message = notificationMessage({
      ...base,
      type: 'rolled-back',
      message: 'monitoring breached: error rate 33.3% > 5%; rolled back to the last good release',
      details: { trigger: { reason: 'monitoring breached: error rate 33.3% > 5%', breach: { errorRatePercent: 33.333, p99LatencyMs: 2450.4, unhealthy: ['api-2'], thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 } } } },
    });
    expect(texts(message.blocks).slice(6, 9)).toEqual([
      '*Trigger:* monitoring breached: error rate 33.3% &gt; 5%',
      '*Monitoring saw:* error rate 33.3% (threshold 5%) · p99 latency 2450 ms (threshold 2000 ms) · unhealthy: api-2',
      'The last good release was re-applied and serves again.',
    ]);
    const healthGate = notificationMessage({ ...base, type: 'rolled-back', message: 'x', details: { trigger: { reason: 'wave 1 health gate: api-1 unhealthy' } } });
    expect(texts(healthGate.blocks).filter((text) => text.startsWith('*'))).toContain('*Trigger:* wave 1 health gate: api-1 unhealthy');
    expect(texts(healthGate.blocks).some((text) => text.startsWith('*Monitoring saw:*'))).toBe(false);
  });

  it('lists drift findings with severity and likely cause; a secret stays (secret)', () => {
    const message = notificationMessage({
      ...base,
      type: 'drift',
      by: undefined,
      message: 'drift in production: ...',
      details: {
        drift: [
          { component: 'api', kind: 'MicroService', field: { field: 'replicas', desired: 5, actual: 3, severity: 'medium', cause: 'Manual scaling outside deployer' } },
          { component: 'api', kind: 'MicroService', field: { field: 'environment.DB_PASSWORD', desired: '(secret)', actual: '(secret)', severity: 'high', cause: 'Changed outside deployer' } },
          { component: 'queue', kind: 'SQS' },
        ],
      },
    });
    expect(texts(message.blocks)).toContain(
      [
        '*New drift:*',
        '• `api` (MicroService) replicas: 5 → 3 — MEDIUM, Manual scaling outside deployer',
        '• `api` (MicroService) environment.DB_PASSWORD: (secret) → (secret) — HIGH, Changed outside deployer',
        '• `queue` (SQS) deleted outside deployer — HIGH',
      ].join('\n'),
    );
    expect(texts(message.blocks).some((text) => text.startsWith('*Requested by*'))).toBe(false);
  });

  it('says who forced a lock open and whose deployment it ended', () => {
    const message = notificationMessage({ ...base, type: 'lock-forced', by: 'carol@company.com', message: "carol@company.com forced the lock of notification-service in production open, ending alice@company.com's deployment of v1.3.0 (deploying): stuck" });
    expect(message.text.startsWith(':unlock: Lock forced open: notification-service v1.3.0 in production: carol@company.com forced')).toBe(true);
    expect(texts(message.blocks)).toContain('*Forced by*\ncarol@company.com');
    expect(texts(message.blocks)).toContain("carol@company.com forced the lock of notification-service in production open, ending alice@company.com's deployment of v1.3.0 (deploying): stuck");
  });

  it('started, rejected, timed out and cancelled carry their one line', () => {
    for (const [type, headline] of [
      ['started', ':rocket: Deployment started'],
      ['rejected', ':no_entry_sign: Deployment rejected'],
      ['timed-out', ':hourglass: Approval timed out'],
      ['cancelled', ':octagonal_sign: Deployment cancelled'],
    ] as const) {
      const message = notificationMessage({ ...base, type, message: `the ${type} line` });
      expect(texts(message.blocks)[0]).toBe(`*${headline}: notification-service v1.3.0 in production*`);
      expect(texts(message.blocks)).toContain(`the ${type} line`);
      expect(buttons(message.blocks)).toEqual([]);
    }
  });

  it('escapes Slack\'s control characters in everything that comes from users', () => {
    expect(escape('a <b> & <!channel>')).toBe('a &lt;b&gt; &amp; &lt;!channel&gt;');
    const message = notificationMessage({ ...base, type: 'failed', message: '<!here> broke & burned' });
    expect(JSON.stringify(message.blocks)).not.toContain('<!here>');
    // The fallback text (notifications, screen readers) is mrkdwn as well.
    expect(message.text).not.toContain('<!here>');
  });

  it('answers in Slack: unmapped users, refusals, ended deployments, status and usage', () => {
    expect(unmappedUserText('U0BOB', ['carol@company.com', 'dave@company.com'])).toBe(
      ':warning: Deployer does not know who <@U0BOB> is, so it cannot accept your decision. Add `U0BOB: you@company.com` under `spec.slackUsers` in the deployment repo\'s deployer.yaml; deployments started after that change know you. Who may decide on this one: carol@company.com, dave@company.com.',
    );
    expect(refusedText(true, 'bob@company.com is not an approver of x; ask one of: carol@company.com')).toBe(':no_entry: Your approval was not accepted: bob@company.com is not an approver of x; ask one of: carol@company.com');
    expect(refusedText(false, 'no')).toBe(':no_entry: Your rejection was not accepted: no');
    expect(notWaitingText('deploy/a/b/c')).toBe('Nothing waits for a decision here any more: `deploy/a/b/c` is not running.');
    expect(statusText('┌─┐\n│ <x> │\n└─┘')).toBe('```\n┌─┐\n│ &lt;x&gt; │\n└─┘\n```');
    expect(usageText('/deployer')).toBe('Usage: `/deployer status <service> <environment> [stack]` shows what runs for a service, as `deployer status` does.');
  });
});

describe('approval confirmation rule', () => {
  it('is the environment\'s setting, else only production', () => {
    expect(approvalNeedsConfirmation('production', {})).toBe(true);
    expect(approvalNeedsConfirmation('staging', {})).toBe(false);
    expect(approvalNeedsConfirmation('staging', { confirm: true })).toBe(true);
    expect(approvalNeedsConfirmation('production', { confirm: false })).toBe(false);
  });
});
