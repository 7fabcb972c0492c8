import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import type { WorkflowHandle } from '@temporalio/client';
import YAML from 'yaml';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DeploymentNotification } from '../../src/notify/notifier';
import { APPROVE_ACTION_ID, PROMOTE_ACTION_ID, REJECT_ACTION_ID } from '../../src/notify/slackMessages';
import { SlackNotifier } from '../../src/notify/slackNotifier';
import { installRoot, stateDir } from '../../src/paths';
import { deploymentProgress, deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import { forcedUnlockWorkflowId, RECORD_FORCED_UNLOCK_WORKFLOW, RecordForcedUnlockInput } from '../../src/temporal/forcedUnlock';
import { createSlackApp } from '../../slack/app';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { destroyReleased } from '../support/released';
import { ReviewedRepo } from '../support/reviewedRepo';
import { workerPorts } from '../../worker/ports';
import { FakeSlack, postSigned, RecordedCall } from '../support/fakeSlack';
import { testClient, testWorker } from '../support/temporal';

// The Slack app over HTTP on loopback, a fake Slack Web API that records what it is sent, and a real
// deployment on the dev server that globalSetup started (real worker, Pulumi engine and local
// runtime): signed and unsigned requests, the approval request and its buttons as different Slack
// users, `/deployer status`, and every kind of notification through SlackNotifier.
//
// A temporary deployment repo of its own (stack `slackapp`, environment `production` that takes
// approvals only through Slack, service `orders` with one SQS queue) keeps it apart from the other
// files sharing the runtime.
describe('Slack app', () => {
  const STACK = 'slackapp';
  const ENVIRONMENT = 'production';
  const SERVICE = 'orders';
  const CHANNEL = '#orders-deploys';
  const TOKEN = 'xoxb-test-token';
  const signingSecret = crypto.randomBytes(16).toString('hex');
  /** DEPLOYER_SLACK_DECISION_KEY: what the app signs decisions with and the worker checks them by. */
  const decisionKey = crypto.randomBytes(32).toString('hex');
  const taskQueue = `slack-${crypto.randomUUID()}`;
  const workflowId = `deploy/${STACK}/${ENVIRONMENT}/${SERVICE}`;
  let repo: ReviewedRepo;
  let slack: FakeSlack;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  let app: App;
  let events: string;
  const ports = () => workerPorts(stateDir(), { notifier: new SlackNotifier({ token: TOKEN, slackApiUrl: slack.apiUrl }), slackDecisionKey: decisionKey });

  beforeAll(async () => {
    repo = ReviewedRepo.adopt(buildRepo());
    slack = await new FakeSlack().start();
    client = await testClient();
    worker = await testWorker(taskQueue, ports());
    app = await createSlackApp({ token: TOKEN, signingSecret, slackApiUrl: slack.apiUrl, temporal: client.client, repo: repo.root, taskQueue, decisionKey, logLevel: LogLevel.ERROR });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    events = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterAll(async () => {
    try {
      await app.stop();
      await client.client.schedule.getHandle(`drift/${STACK}/${ENVIRONMENT}`).delete().catch(() => undefined);
      // Leave nothing running in the shared runtime: destroy what this file deployed.
      await destroyReleased(ports().stacks, repo.root, { stack: STACK, environment: ENVIRONMENT, service: SERVICE });
    } finally {
      await worker.stop();
      await client.close();
      await slack.close();
      repo.remove();
    }
  });

  function buildRepo(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-slack-'));
    const meta = { apiVersion: 'components.deployer.io/v1' };
    write(root, 'deployer.yaml', {
      ...meta,
      kind: 'Repository',
      metadata: { name: 'slack-test' },
      spec: { groups: { 'platform-team': ['carol@company.com', 'dave@company.com'] }, slackUsers: { U0ALICE: 'alice@company.com', U0CAROL: 'carol@company.com' } },
    });
    write(root, `environments/${ENVIRONMENT}.yaml`, {
      ...meta,
      kind: 'Environment',
      metadata: { name: ENVIRONMENT },
      spec: { target: 'local', approval: { required: true, timeout: '10m', channels: ['slack'] } },
    });
    write(root, `stacks/${STACK}/services/${SERVICE}/service.yaml`, {
      ...meta,
      kind: 'Service',
      metadata: { name: SERVICE, stack: STACK },
      spec: { team: 'orders', owners: ['alice@company.com'], approvers: ['platform-team'], notifications: { slack: { channel: CHANNEL } } },
    });
    write(root, `stacks/${STACK}/services/${SERVICE}/components/queue/sqs.yaml`, {
      ...meta,
      kind: 'SQS',
      metadata: { name: 'queue', service: SERVICE, stack: STACK },
      spec: { type: 'standard', visibilityTimeoutSeconds: 30 },
    });
    return root;
  }

  async function deploy(version: string): Promise<WorkflowHandle> {
    const desired = repo.rendered(loadDesiredStack({ root: repo.root, stack: STACK, environment: ENVIRONMENT, variables: {} }));
    const request = await repo.request('alice@company.com', { action: 'deploy', stack: STACK, environment: ENVIRONMENT, version });
    const handle = await startServiceDeployment(client.client, { desired, service: SERVICE, requestedBy: 'alice@company.com', version, kind: 'deploy', request }, taskQueue);
    await waitFor(async () => (await deploymentProgress(handle)).phase === 'awaiting-approval');
    return handle;
  }

  /** The approval request the worker's SlackNotifier posted for `version`. */
  function approvalRequest(version: string, from: number): Promise<RecordedCall> {
    return slack.waitFor((call) => call.method === 'chat.postMessage' && String(call.body.text).startsWith(`:raising_hand: Approval needed: ${SERVICE} ${version} in ${ENVIRONMENT}`), 60_000, from);
  }

  /** A button click as Slack sends it: the interaction payload, signed, from `user`, on the posted message. */
  function click(user: string, actionId: string, message: RecordedCall, ts: string, actionTs?: string): Promise<Response> {
    return postSigned(events, { payload: JSON.stringify(clickPayload(user, actionId, message, ts, actionTs)) }, signingSecret);
  }

  /** The interaction payload of a click by `user` on a button of the posted message. */
  function clickPayload(user: string, actionId: string, message: RecordedCall, ts: string, actionTs = String(Date.now() / 1000)): Record<string, unknown> {
    const button = (message.body.blocks as { type: string; elements?: { action_id: string; value: string; text: unknown }[] }[]).find((block) => block.type === 'actions')!.elements!.find((element) => element.action_id === actionId)!;
    return {
      type: 'block_actions',
      team: { id: 'T0TEST', domain: 'company' },
      user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
      api_app_id: 'A0DEPLOYER',
      trigger_id: '1.2.3',
      container: { type: 'message', message_ts: ts, channel_id: 'C0ORDERS', is_ephemeral: false },
      channel: { id: 'C0ORDERS', name: 'orders-deploys' },
      message: { type: 'message', ts, text: message.body.text, blocks: message.body.blocks },
      response_url: `${slack.url}/actions/${ts}`,
      actions: [{ type: 'button', action_id: actionId, block_id: 'deployer_approval', value: button.value, text: button.text, action_ts: actionTs }],
    };
  }

  function slashCommand(text: string, responsePath: string, options: Parameters<typeof postSigned>[3] = {}, secret = signingSecret): Promise<Response> {
    return postSigned(events, slashForm(text, responsePath), secret, options);
  }

  /** The fields of `/deployer <text>` from U0ALICE, answered at `responsePath` of the fake Slack. */
  function slashForm(text: string, responsePath: string): Record<string, string> {
    return {
      token: 'legacy',
      team_id: 'T0TEST',
      team_domain: 'company',
      channel_id: 'C0ORDERS',
      channel_name: 'orders-deploys',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/deployer',
      text,
      api_app_id: 'A0DEPLOYER',
      response_url: `${slack.url}${responsePath}`,
      trigger_id: '1.2.3',
    };
  }

  /** The approval request of the rejected v0.9.0 deployment: a stale message once v1.0.0 waits. */
  let staleRequest: RecordedCall;
  const ephemeralTo = (user: string, from: number) => slack.waitFor((call) => call.method === 'chat.postEphemeral' && call.body.user === user, 30_000, from);

  it('answers only requests Slack signed: a wrong secret, a stale timestamp or no signature is a 401', async () => {
    const before = slack.calls.length;
    expect((await slashCommand('help', '/respond/forged', {}, 'not-the-secret')).status).toBe(401);
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    expect((await slashCommand('help', '/respond/stale', { timestamp: tenMinutesAgo })).status).toBe(401);
    const unsigned = await fetch(events, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'command=%2Fdeployer&text=help' });
    expect(unsigned.status).toBe(401);

    expect((await slashCommand('help', '/respond/signed')).status).toBe(200);
    const usage = await slack.waitFor((call) => call.path === '/respond/signed', 10_000, before);
    expect(usage.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('`/deployer status <service> <environment> [stack]`') });
    // The refused requests reached no listener: nothing answered them.
    expect(slack.calls.slice(before).filter((call) => call.path.startsWith('/respond/')).map((call) => call.path)).toEqual(['/respond/signed']);
  });

  it('posts the approval request with its changes and buttons; a rejection by an approver ends the deployment', async () => {
    const from = slack.calls.length;
    const handle = await deploy('v0.9.0');
    const request = await approvalRequest('v0.9.0', from);
    staleRequest = request;
    expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.body.channel).toBe(CHANNEL);

    expect((await click('U0CAROL', REJECT_ACTION_ID, request, '1700000000.000100')).status).toBe(200);
    const update = await slack.waitFor((call) => call.method === 'chat.update', 30_000, from);
    expect(update.body).toMatchObject({ channel: 'C0ORDERS', ts: '1700000000.000100', text: expect.stringContaining('(rejected by carol@company.com)') });
    expect(JSON.stringify(update.body.blocks)).toContain(':no_entry_sign: *Rejected* by carol@company.com (<@U0CAROL>)');
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('rejected');
    expect(result.reason).toBe('rejected by carol@company.com');
    await slack.waitFor((call) => call.method === 'chat.postMessage' && String(call.body.text).startsWith(':no_entry_sign: Deployment rejected'), 30_000, from);
  });

  it('an unmapped user and a non-approver are told why, the deployment keeps waiting; an approver\'s click deploys and updates the message', async () => {
    const from = slack.calls.length;
    const handle = await deploy('v1.0.0');
    const request = await approvalRequest('v1.0.0', from);
    const blocks = request.body.blocks as { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: Record<string, unknown>[] }[];
    const shown = JSON.stringify(blocks);
    expect(shown).toContain('• `queue` (SQS) CREATE');
    expect(shown).toContain('*Estimated cost:* +$0.00/month ($0.00 → $0.00)');
    expect(shown).toContain('*Approvers:* platform-team');
    expect(blocks[1]!.fields!.map((field) => field.text)).toEqual([`*Stack*\n${STACK}`, `*Service*\n${SERVICE}`, `*Environment*\n${ENVIRONMENT}`, '*Version*\nv1.0.0', '*Requested by*\nalice@company.com']);
    const buttons = blocks.find((block) => block.type === 'actions')!.elements!;
    // Production: an Approve tap asks for confirmation first; Reject does not.
    // The buttons name the exact run and plan the message was posted for.
    const progress = await deploymentProgress(handle);
    const value = JSON.stringify({ workflowId, runId: (await handle.describe()).runId, planHash: progress.approval.planHash });
    expect(buttons).toEqual([
      expect.objectContaining({ action_id: APPROVE_ACTION_ID, value, style: 'primary', confirm: expect.objectContaining({ title: { type: 'plain_text', text: 'Approve for production?' } }) }),
      expect.objectContaining({ action_id: REJECT_ACTION_ID, value, style: 'danger' }),
    ]);
    expect(buttons[1]).not.toHaveProperty('confirm');
    const ts = '1700000000.000200';

    expect((await click('U0MALLORY', APPROVE_ACTION_ID, request, ts)).status).toBe(200);
    const unmapped = await ephemeralTo('U0MALLORY', from);
    expect(unmapped.body).toMatchObject({ channel: 'C0ORDERS', text: expect.stringContaining('Add `U0MALLORY: you@company.com` under `spec.slackUsers`') });
    expect(unmapped.body.text).toContain('Who may decide on this one: carol@company.com, dave@company.com.');
    expect((await deploymentProgress(handle)).phase).toBe('awaiting-approval');

    expect((await click('U0ALICE', APPROVE_ACTION_ID, request, ts)).status).toBe(200);
    const refused = await ephemeralTo('U0ALICE', from);
    expect(refused.body.text).toBe(':no_entry: Your approval was not accepted: alice@company.com is not an approver of orders; ask one of: carol@company.com, dave@company.com');
    expect((await deploymentProgress(handle)).phase).toBe('awaiting-approval');
    expect(slack.callsOf('chat.update').filter((call) => call.body.ts === ts)).toEqual([]);

    // Carol taps Approve on the older v0.9.0 message: it names another run, so it approves nothing.
    expect((await click('U0CAROL', APPROVE_ACTION_ID, staleRequest, '1700000000.000100')).status).toBe(200);
    expect((await ephemeralTo('U0CAROL', from)).body.text).toMatch(/^(:no_entry: Your approval was not accepted: this decision is for another deployment \(run |Nothing waits for a decision here any more)/);
    expect((await deploymentProgress(handle)).phase).toBe('awaiting-approval');

    const approvedAt = slack.calls.length;
    const actionTs = String(Date.now() / 1000);
    expect((await click('U0CAROL', APPROVE_ACTION_ID, request, ts, actionTs)).status).toBe(200);
    const update = await slack.waitFor((call) => call.method === 'chat.update' && call.body.ts === ts, 30_000, from);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('succeeded');
    expect(result.release).toMatchObject({ version: 'v1.0.0', result: 'succeeded', approvedBy: { identity: 'carol@company.com', channel: 'slack' } });
    expect(update.body).toMatchObject({ channel: 'C0ORDERS', text: expect.stringContaining('(approved by carol@company.com)') });
    const updated = JSON.stringify(update.body.blocks);
    expect(updated).toContain(':white_check_mark: *Approved* by carol@company.com (<@U0CAROL>)');
    expect(updated).toContain('• `queue` (SQS) CREATE');
    expect(updated).not.toContain(APPROVE_ACTION_ID);

    const succeeded = await slack.waitFor((call) => call.method === 'chat.postMessage' && String(call.body.text).startsWith(`:white_check_mark: Deployment succeeded: ${SERVICE} v1.0.0 in ${ENVIRONMENT}`), 30_000, from);
    expect(JSON.stringify(succeeded.body.blocks)).toMatch(/Deployed v1\.0\.0 in \d+s\./);

    // The same signed click replayed is ignored; a new click on the settled request changes nothing and says so.
    expect((await click('U0CAROL', APPROVE_ACTION_ID, request, ts, actionTs)).status).toBe(200);
    expect((await click('U0CAROL', APPROVE_ACTION_ID, request, ts)).status).toBe(200);
    const late = await slack.waitFor((call) => call.method === 'chat.postEphemeral' && call.body.user === 'U0CAROL', 30_000, approvedAt);
    expect(slack.calls.slice(approvedAt).filter((call) => call.method === 'chat.postEphemeral' && call.body.user === 'U0CAROL')).toHaveLength(1);
    expect(late.body.text).toMatch(/^(:no_entry: Your approval was not accepted: this deployment is not waiting for approval \(it is succeeded\)|Nothing waits for a decision here any more)/);
  });

  it('/deployer status answers like `deployer status`', async () => {
    const from = slack.calls.length;
    expect((await slashCommand(`status ${SERVICE} ${ENVIRONMENT}`, '/respond/status')).status).toBe(200);
    const answer = await slack.waitFor((call) => call.path === '/respond/status', 30_000, from);
    expect(answer.body.response_type).toBe('ephemeral');
    const text = String(answer.body.text);
    expect(text).toMatch(/^```\n┌─+┐\n│ Service: orders \(production\) +│\n/);
    expect(text).toMatch(/│ queue +SQS +active +✓ Healthy +│/);
    expect(text).toContain('│ Version: v1.0.0 ');
    expect(text).toContain('│ Deployed by: alice@company.com ');

    expect((await slashCommand(`status ordres ${ENVIRONMENT}`, '/respond/typo')).status).toBe(200);
    const typo = await slack.waitFor((call) => call.path === '/respond/typo', 30_000, from);
    expect(typo.body.text).toContain(':x: no stack has a service "ordres". Did you mean "orders"?');
  });

  it('over Socket Mode: /deployer and the approval buttons arrive through the socket the app opens, and work the same', async () => {
    const socketApp = await createSlackApp({ token: TOKEN, appToken: 'xapp-test-token', slackApiUrl: slack.apiUrl, temporal: client.client, repo: repo.root, taskQueue, decisionKey, logLevel: LogLevel.ERROR });
    await socketApp.start();
    try {
      const from = slack.calls.length;
      expect(slack.callsOf('apps.connections.open').at(-1)?.authorization).toBe('Bearer xapp-test-token');
      await slack.sendEnvelope('slash_commands', slashForm(`status ${SERVICE} ${ENVIRONMENT}`, '/respond/socket-status'));
      const answer = await slack.waitFor((call) => call.path === '/respond/socket-status', 30_000, from);
      expect(String(answer.body.text)).toMatch(/^```\n┌─+┐\n│ Service: orders \(production\) +│\n/);

      // A real change, so the deployment waits for approval (the same spec again would end unchanged).
      write(repo.root, `stacks/${STACK}/services/${SERVICE}/components/queue/sqs.yaml`, {
        apiVersion: 'components.deployer.io/v1',
        kind: 'SQS',
        metadata: { name: 'queue', service: SERVICE, stack: STACK },
        spec: { type: 'standard', visibilityTimeoutSeconds: 45 },
      });
      repo.commit('a longer visibility timeout');
      const handle = await deploy('v3.0.0');
      const request = await approvalRequest('v3.0.0', from);
      const ts = '1700000000.000300';
      await slack.sendEnvelope('interactive', clickPayload('U0ALICE', APPROVE_ACTION_ID, request, ts));
      expect((await ephemeralTo('U0ALICE', from)).body.text).toContain('alice@company.com is not an approver of orders');
      expect((await deploymentProgress(handle)).phase).toBe('awaiting-approval');
      await slack.sendEnvelope('interactive', clickPayload('U0CAROL', APPROVE_ACTION_ID, request, ts));
      const result = await deploymentResult(handle);
      expect(result).toMatchObject({ phase: 'succeeded', release: { version: 'v3.0.0', approvedBy: { identity: 'carol@company.com', channel: 'slack' } } });
      await slack.waitFor((call) => call.method === 'chat.update' && call.body.ts === ts, 30_000, from);
    } finally {
      await socketApp.stop();
    }
  });

  it('the lock-forced notification of a real forced unlock reaches the service channel, and the record says the forcer was proven', async () => {
    const from = slack.calls.length;
    const request = await repo.request('carol@company.com', { action: 'unlock', stack: STACK, environment: ENVIRONMENT, version: '' });
    const input: RecordForcedUnlockInput = { stack: STACK, environment: ENVIRONMENT, service: SERVICE, workflowId, by: 'carol@company.com', reason: 'worker lost', heldBy: 'alice@company.com', startedAt: new Date().toISOString(), request };
    await client.client.workflow.execute(RECORD_FORCED_UNLOCK_WORKFLOW, { taskQueue, workflowId: forcedUnlockWorkflowId(STACK, ENVIRONMENT, SERVICE, new Date()), args: [input] });
    const posted = await slack.waitFor((call) => call.method === 'chat.postMessage' && String(call.body.text).startsWith(':unlock: Lock forced open'), 30_000, from);
    expect(posted.body.channel).toBe(CHANNEL);
    expect(JSON.stringify(posted.body.blocks)).toContain('carol@company.com forced the lock of orders in production open');
    expect((await new FileReleaseStore(path.join(stateDir(), 'releases')).history(STACK, ENVIRONMENT, SERVICE))[0]).toMatchObject({ result: 'cancelled', forcedBy: { identity: 'carol@company.com', proof: 'ssh' } });
  });

  it('SlackNotifier posts every kind of notification to the fake Web API', async () => {
    const notifier = new SlackNotifier({ token: TOKEN, slackApiUrl: slack.apiUrl, defaultChannel: '#deploys' });
    const base = { stack: STACK, environment: ENVIRONMENT, service: SERVICE, version: 'v2.0.0', by: 'alice@company.com', channel: CHANNEL, workflowId, at: '2026-01-15T14:30:00.000Z' };
    const breach = { errorRatePercent: 33.3, p99LatencyMs: 120, unhealthy: [], thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 } };
    const notifications: DeploymentNotification[] = [
      { ...base, type: 'started', message: 'deploying v2.0.0 (1 wave)' },
      { ...base, type: 'succeeded', message: 'v2.0.0 deployed in 4m 32s', details: { durationSeconds: 272 } },
      { ...base, type: 'failed', message: 'wave 1 failed: orders/queue: queue name taken; rollback failed too: engine crashed' },
      { ...base, type: 'rolled-back', message: 'monitoring breached: error rate 33.3% > 5%; rolled back to the last good release', details: { trigger: { reason: 'monitoring breached: error rate 33.3% > 5%', breach } } },
      { ...base, type: 'drift', channel: undefined, message: 'drift in production: queue (SQS) visibilityTimeoutSeconds 30 -> 60', details: { drift: [{ component: 'queue', kind: 'SQS', field: { field: 'visibilityTimeoutSeconds', desired: 30, actual: 60, severity: 'medium', cause: 'Changed outside deployer' } }] } },
      { ...base, type: 'lock-forced', by: 'carol@company.com', message: 'carol@company.com forced the lock of orders in production open, ending alice@company.com\'s deployment: worker lost' },
    ];
    const from = slack.calls.length;
    for (const notification of notifications) await notifier.notify(notification);
    const posted = slack.calls.slice(from);
    expect(posted.map((call) => [call.method, call.body.channel, String(call.body.text).split(':').slice(0, 3).join(':')])).toEqual([
      ['chat.postMessage', CHANNEL, ':rocket: Deployment started'],
      ['chat.postMessage', CHANNEL, ':white_check_mark: Deployment succeeded'],
      ['chat.postMessage', CHANNEL, ':x: Deployment failed'],
      ['chat.postMessage', CHANNEL, ':rewind: Deployment rolled back'],
      ['chat.postMessage', '#deploys', ':warning: Drift found'],
      ['chat.postMessage', CHANNEL, ':unlock: Lock forced open'],
    ]);
    expect(posted.every((call) => call.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const blocksOf = (index: number) => JSON.stringify(posted[index]!.body.blocks);
    expect(blocksOf(1)).toContain('Deployed v2.0.0 in 4m 32s.');
    expect(blocksOf(2)).toContain('*Why:* wave 1 failed: orders/queue: queue name taken; rollback failed too: engine crashed');
    expect(blocksOf(3)).toContain('*Trigger:* monitoring breached: error rate 33.3% &gt; 5%');
    expect(blocksOf(3)).toContain('*Monitoring saw:* error rate 33.3% (threshold 5%) · p99 latency 120 ms (threshold 2000 ms)');
    expect(blocksOf(4)).toContain('• `queue` (SQS) visibilityTimeoutSeconds: 30 → 60 — MEDIUM, Changed outside deployer');
    expect(blocksOf(5)).toContain('*Forced by*\\ncarol@company.com');
  });

  it('a canary waiting at a manual step posts Promote and Abort; the requester cannot promote, an approver\'s tap does', async () => {
    // The orders service gains a MicroService rolled out as a canary with a manual step.
    write(repo.root, `environments/${ENVIRONMENT}.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind: 'Environment',
      metadata: { name: ENVIRONMENT },
      spec: {
        target: 'local',
        approval: { required: true, timeout: '10m', channels: ['slack'] },
        rollout: { healthTimeout: '40s', monitorWindow: '0s', checkInterval: '1s', strategy: 'canary', canary: { steps: [{ weight: 20, pause: 'manual' }] } },
        local: { images: { 'notification-api': { command: ['node', 'server.js'], workingDir: path.join(installRoot, 'examples', 'apps', 'notification-api') } } },
      },
    });
    const api = (tag: string) => {
      write(repo.root, `stacks/${STACK}/services/${SERVICE}/components/api/microservice.yaml`, { apiVersion: 'components.deployer.io/v1', kind: 'MicroService', metadata: { name: 'api', service: SERVICE, stack: STACK }, spec: { image: `notification-api:${tag}` } });
      repo.commit(`api ${tag}`);
    };
    const approved = async (version: string, ts: string) => {
      const from = slack.calls.length;
      const handle = await deploy(version);
      await click('U0CAROL', APPROVE_ACTION_ID, await approvalRequest(version, from), ts);
      return handle;
    };
    api('v1.0.0');
    expect((await deploymentResult(await approved('v4.0.0', '1700000000.000400'))).phase).toBe('succeeded');

    api('v1.1.0');
    const from = slack.calls.length;
    const handle = await approved('v4.1.0', '1700000000.000500');
    const waiting = await slack.waitFor((call) => call.method === 'chat.postMessage' && String(call.body.text).startsWith(':hatching_chick: Canary step') && String(call.body.text).includes('waits for'), 60_000, from);
    expect(waiting.body.channel).toBe(CHANNEL);
    const ts = '1700000000.000600';
    expect((await click('U0ALICE', PROMOTE_ACTION_ID, waiting, ts)).status).toBe(200);
    expect((await ephemeralTo('U0ALICE', from)).body.text).toBe(':no_entry: Your promotion was not accepted: alice@company.com is not an approver of orders; ask one of: carol@company.com, dave@company.com');
    expect((await deploymentProgress(handle)).canaries?.[0]).toMatchObject({ state: 'running', steps: [{ step: 1, waiting: { manual: true } }] });

    expect((await click('U0CAROL', PROMOTE_ACTION_ID, waiting, ts)).status).toBe(200);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('succeeded');
    expect(result.progress.canaries?.[0]?.steps[0]).toMatchObject({ outcome: 'promoted', by: 'carol@company.com' });
    const update = await slack.waitFor((call) => call.method === 'chat.update' && call.body.ts === ts, 30_000, from);
    expect(JSON.stringify(update.body.blocks)).toContain(':white_check_mark: *Promoted* by carol@company.com (<@U0CAROL>)');
    expect(JSON.stringify(update.body.blocks)).not.toContain(PROMOTE_ACTION_ID);
  });
});

function write(root: string, file: string, content: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), YAML.stringify(content));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
