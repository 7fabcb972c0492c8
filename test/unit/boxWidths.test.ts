import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boxOf, DEFAULT_COLUMNS, terminalColumns } from '../../src/client/render/box';
import { renderDetection } from '../../cli/render/drift';
import { renderHistory } from '../../cli/render/history';
import { renderCost, renderPlan } from '../../cli/render/plan';
import { approverInstructions, renderApprovalRequest, renderProgress } from '../../cli/render/progress';
import { renderServiceStatus } from '../../src/client/render/status';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { buildPlan } from '../../src/plan/buildPlan';
import type { ReleaseEntry } from '../../src/releases/releaseEntry';
import type { DeploymentProgress } from '../../src/temporal/deployment';
import type { DetectDriftResult } from '../../src/temporal/drift';

// Every box the user watches must fit an 80-column terminal: a line the terminal wraps itself breaks
// the frame, and the progress box's in-place redraw (which counts the lines it drew) with it.

const example = path.resolve(__dirname, '../../examples/deployment-repo');
// eslint-disable-next-line no-control-regex -- stripping ANSI sequences is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const widest = (text: string) => Math.max(...text.split('\n').map((line) => [...line.replace(ANSI, '')].length));

/** The example repo with its AWS environments in place of the local ones, so costs are priced. */
function awsExample(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-boxes-'));
  fs.cpSync(example, root, { recursive: true });
  for (const file of ['development.yaml', 'staging.yaml', 'production.yaml']) fs.copyFileSync(path.join(root, 'environments', 'aws', file), path.join(root, 'environments', file));
  return root;
}

/** production's plan from v1.1.0 to v1.2.0 with a config change and more replicas, on `root`. */
function productionPlan(root: string) {
  const load = (version: string) => loadDesiredStack({ root, stack: 'user-platform', environment: 'production', variables: { VERSION: version } });
  const before = load('v1.1.0');
  const config = path.join(root, 'stacks/user-platform/services/notification-service/components/api/configs/app.yaml');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('maxRetries: 3', 'maxRetries: 5'));
  const released = new Map(before.services.map((service) => [service.name, service.components.map(({ source: _source, ...component }) => component)]));
  return buildPlan(load('v1.2.0'), (service) => released.get(service) ?? [], ['notification-service']);
}

const root = awsExample();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const plan = productionPlan(root);
const now = new Date('2026-01-15T14:32:15Z');

const progress = (overrides: Partial<DeploymentProgress>): DeploymentProgress => ({
  workflowId: 'deploy/user-platform/production/notification-service',
  stack: 'user-platform',
  environment: 'production',
  service: 'notification-service',
  version: 'v1.2.0',
  kind: 'deploy',
  requestedBy: 'alice.longname-for-width@company.example.com',
  phase: 'deploying',
  startedAt: '2026-01-15T14:30:00Z',
  plan,
  waves: [
    {
      index: 1,
      state: 'done',
      components: [
        { id: 'notification-service/database', kind: 'RDS', action: 'update', state: 'done', startedAt: '2026-01-15T14:30:00Z', finishedAt: '2026-01-15T14:30:30Z' },
        { id: 'notification-service/cache', kind: 'ElastiCacheRedis', action: 'update', state: 'done', startedAt: '2026-01-15T14:30:00Z', finishedAt: '2026-01-15T14:30:45Z' },
      ],
    },
    { index: 2, state: 'running', components: [{ id: 'notification-service/api', kind: 'MicroService', action: 'update', state: 'running', startedAt: '2026-01-15T14:31:00Z' }] },
  ],
  approval: { required: true, approvers: ['notifications-team-lead', 'platform-team'], requestedAt: '2026-01-15T14:30:00Z', deadline: '2026-01-15T15:30:00Z' },
  ...overrides,
});
const live = { 'notification-service/api': { healthy: 2, desired: 5, checks: 'passing' as const } };

describe('boxes at 80 columns', () => {
  it('the progress box while deploying shows replicas and health checks, within 80 columns', () => {
    const text = renderProgress(progress({}), now, live);
    expect(text).toContain('⟳ api               Rolling update    (2/5 running)');
    expect(text).toContain('    └─ Health checks: Passing');
    expect(widest(text)).toBeLessThanOrEqual(80);
  });

  it('the progress box while monitoring, with its window and thresholds on lines of their own', () => {
    const done = progress({}).waves.map((wave) => ({ ...wave, state: 'done' as const, components: wave.components.map((component) => ({ ...component, state: 'done' as const, finishedAt: '2026-01-15T14:32:00Z' })) }));
    const monitoring = { windowMs: 300_000, thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 }, startedAt: '2026-01-15T14:32:00Z' };
    const text = renderProgress(progress({ phase: 'monitoring', waves: done, monitoring }), now, { 'notification-service/api': { healthy: 5, desired: 5, checks: 'passing' } });
    expect(text).toContain('(5/5 running)');
    expect(text).toContain('Rollback above 5% errors or p99 2000 ms');
    expect(widest(text)).toBeLessThanOrEqual(80);
  });

  it('the approval box names the changed config keys, not hashes, within 80 columns', () => {
    const text = renderApprovalRequest(progress({ phase: 'awaiting-approval' }), { ask: true }, now);
    expect(text).toContain('      app.yaml email.maxRetries: 3 → 5');
    expect(text).not.toMatch(/sha256/);
    expect(text).toContain('Decide by: 2026-01-15T15:30:00Z (in 57m 45s; then nothing is deployed)');
    expect(widest(text)).toBeLessThanOrEqual(80);
  });

  it('the requester who may not approve sees the same box, with the command an approver runs instead of the question', () => {
    const waiting = progress({ phase: 'awaiting-approval' });
    const instructions = approverInstructions(waiting, 'alice requested this deployment and cannot approve it too');
    const text = renderApprovalRequest(waiting, { ask: false, lines: instructions.lines }, now);
    expect(text).not.toContain('(yes/no)');
    expect(text).toContain('Waiting for an approver, who runs the command below.');
    // Printed whole after the box, to be pasted as it is.
    expect(instructions.command).toBe('deployer approve --stack user-platform --service notification-service --environment production');
    expect(text).toContain('Estimated cost change:');
    expect(text).toContain('Decide by:');
    expect(widest(text)).toBeLessThanOrEqual(80);
    const slackOnly = { ...waiting, approval: { ...waiting.approval, policy: { environment: 'production', approval: { channels: ['slack'] }, approvers: [], groups: {} } } } as unknown as DeploymentProgress;
    expect(approverInstructions(slackOnly)).toEqual({ lines: ['Waiting for an approver to decide through slack.'] });
  });

  it('the plan and the aws cost box', () => {
    expect(plan.target).toBe('aws');
    expect(plan.cost.breakdown.length).toBeGreaterThan(0);
    expect(widest(renderPlan(plan))).toBeLessThanOrEqual(80);
    expect(widest(renderCost(plan))).toBeLessThanOrEqual(80);
  });

  it('status, history and drift', () => {
    const release = { stack: 'user-platform', environment: 'production', service: 'notification-service', version: 'v1.2.0-with-a-long-prerelease-tag', deployedBy: 'alice.longname-for-width@company.example.com', startedAt: '2026-01-15T14:30:00Z', finishedAt: '2026-01-15T14:34:32Z', result: 'rolled_back', reason: 'monitoring breached: error rate 7.5% over 5% for the last two minutes of the window', workflowId: 'deploy/user-platform/production/notification-service', components: [] } as ReleaseEntry;
    const status = renderServiceStatus({ service: 'notification-service', environment: 'production', components: [{ name: 'api', kind: 'MicroService' }], lastRelease: release, deploying: 'deploy/user-platform/production/notification-service' }, now);
    expect(widest(status)).toBeLessThanOrEqual(80);
    expect(widest(renderHistory('notification-service', 'production', [release, { ...release, result: 'succeeded', kind: 'remediate', approval: { requestedAt: '2026-01-15T14:30:10Z', decidedAt: '2026-01-15T15:42:10Z' } }], 'UTC'))).toBeLessThanOrEqual(80);
    const drift: DetectDriftResult = {
      stack: 'user-platform',
      environment: 'production',
      checkedAt: '2026-01-15T16:45:00Z',
      trigger: 'cli',
      drifted: true,
      notified: 0,
      services: [
        {
          service: 'notification-service',
          status: 'checked',
          components: [
            {
              id: 'notification-service/api',
              name: 'api',
              kind: 'MicroService',
              status: 'drifted',
              severity: 'medium',
              cause: 'Manual scaling outside deployer (console / deployer local scale)',
              fields: [{ field: 'replicas', specPath: ['scaling', 'replicas'], desired: 5, actual: 3, severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' }],
              context: [{ field: 'replicas', desired: 5, actual: 3, drifted: true }],
            },
          ],
        },
      ],
    };
    const box = renderDetection(drift, { timeZone: 'UTC' }).split('\n└')[0]!;
    expect(widest(box)).toBeLessThanOrEqual(80);
  });
});

describe('box', () => {
  it('fits the terminal it draws on, 80 columns when that is unknown', () => {
    expect(terminalColumns({ isTTY: false, columns: 200 })).toBe(DEFAULT_COLUMNS);
    expect(terminalColumns({ isTTY: true, columns: 120 })).toBe(120);
    expect(terminalColumns({ isTTY: true })).toBe(DEFAULT_COLUMNS);
  });

  it('wraps long lines inside the frame, keeping table columns and indents', () => {
    const text = boxOf(44, 'Title', ['  • api: Update image v1.1.0 → v1.2.0; environment +CACHE_HOST', 'name   state     a-long-last-column value here', 'x'.repeat(50)]);
    expect(text.split('\n')).toEqual([
      '┌──────────────────────────────────────────┐',
      '│ Title                                    │',
      '├──────────────────────────────────────────┤',
      '│   • api: Update image v1.1.0 → v1.2.0;   │',
      '│     environment +CACHE_HOST              │',
      '│ name   state     a-long-last-column      │',
      '│                  value here              │',
      '│   xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx │',
      '│   xxxxxxxxxxxx                           │',
      '└──────────────────────────────────────────┘',
    ]);
  });
});
