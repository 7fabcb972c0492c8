import path from 'node:path';
import { renderOutcome } from '../../cli/render/progress';
import { errorSummary, serviceSummary, stackSummary, startedSummary } from '../../cli/render/summary';
import { workflowUrl } from '../../cli/temporalUi';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { buildPlan } from '../../src/plan/buildPlan';
import type { DeploymentProgress, DeployServiceResult } from '../../src/temporal/deployment';

const example = path.resolve(__dirname, '../../examples/deployment-repo');
const link = (id: string) => workflowUrl('https://temporal.company.com', 'default', id);
const noLink = () => undefined;

function load(version: string, environment: string): DesiredStack {
  return loadDesiredStack({ root: example, stack: 'user-platform', environment, variables: { VERSION: version } });
}

/** notification-service's plan for `version` where `released` was deployed last. */
function planOf(released: string, version: string, environment: string) {
  const before = load(released, environment);
  const byService = new Map(before.services.map((service) => [service.name, service.components.map(({ source: _source, ...component }) => component)]));
  return buildPlan(load(version, environment), (service) => byService.get(service) ?? [], ['notification-service']);
}

function progress(overrides: Partial<DeploymentProgress>): DeploymentProgress {
  return {
    workflowId: 'deploy/user-platform/production/notification-service',
    stack: 'user-platform',
    environment: 'production',
    service: 'notification-service',
    version: 'v1.2.0',
    kind: 'deploy',
    requestedBy: 'github:alice',
    phase: 'succeeded',
    startedAt: '2026-11-27T10:00:00.000Z',
    finishedAt: '2026-11-27T10:12:30.000Z',
    plan: planOf('v1.1.0', 'v1.2.0', 'production'),
    waves: [],
    approval: { required: false, approvers: [] },
    ...overrides,
  };
}

describe('apply --summary (Markdown for CI job summaries)', () => {
  it('a service: result in the heading, who approved, the plan and cost boxes, the outcome, and the workflow linked', () => {
    const seen = progress({
      approval: { required: true, approvers: ['platform-team'], decision: { approve: true, by: 'carol@company.com', channel: 'slack', at: '2026-11-27T10:05:00.000Z' } },
    });
    const result: DeployServiceResult = { phase: 'succeeded', progress: seen };
    const outcome = renderOutcome(result, { annotations: {}, mainComponent: 'notification-service/api', environment: 'production' });
    const markdown = serviceSummary(result, outcome, link);

    expect(markdown.split('\n').slice(0, 7)).toEqual([
      '### ✓ notification-service → production: succeeded',
      '',
      '**Stack:** user-platform · **Version:** v1.2.0 · **Requested by:** github:alice',
      '',
      '**Approved by:** carol@company.com (slack)',
      '',
      '**Workflow:** [`deploy/user-platform/production/notification-service`](https://temporal.company.com/namespaces/default/workflows/deploy%2Fuser-platform%2Fproduction%2Fnotification-service)',
    ]);
    const plan = /#### Plan\n\n```text\n([^]*?)\n```/.exec(markdown)?.[1];
    expect(plan).toContain('Deployment Plan: notification-service (production)');
    expect(plan).toContain('image: v1.1.0 → v1.2.0');
    expect(plan).toContain('Cost Impact Analysis');
    expect(markdown).toContain(`#### Outcome\n\n\`\`\`text\n${outcome}\n\`\`\``);
    expect(outcome).toContain('✓ Deployment successful!');
  });

  it('a rolled-back service says why; nothing changed shows the no-change plan; without a UI the id is plain code', () => {
    const rolledBack: DeployServiceResult = { phase: 'rolled-back', reason: 'error rate 12.5% > 5%', progress: progress({ phase: 'rolled-back', reason: 'error rate 12.5% > 5%' }) };
    const markdown = serviceSummary(rolledBack, renderOutcome(rolledBack, { annotations: {}, environment: 'production' }), noLink);
    expect(markdown).toMatch(/^### ✗ notification-service → production: rolled-back\n/);
    expect(markdown).toContain('Why: error rate 12.5% > 5%');
    expect(markdown).toContain('The previous release is serving again.');
    // A first deployment that rolled back had nothing to go back to.
    const first = { ...rolledBack, release: { components: [] } } as unknown as DeployServiceResult;
    expect(renderOutcome(first, { annotations: {}, environment: 'production' })).toContain('Nothing was deployed here before; what this deployment created was removed.');
    expect(markdown).toContain('**Workflow:** `deploy/user-platform/production/notification-service`\n');

    const noop = planOf('v1.2.0', 'v1.2.0', 'development');
    expect(noop.noop).toBe(true);
    const unchanged: DeployServiceResult = { phase: 'unchanged', progress: progress({ phase: 'unchanged', environment: 'development', plan: noop }) };
    const quiet = serviceSummary(unchanged, renderOutcome(unchanged, { annotations: {}, environment: 'development' }), noLink);
    expect(quiet).toContain('### ✓ notification-service → development: unchanged');
    expect(quiet).toContain('✓ No changes: everything matches what is deployed.');
    expect(quiet).not.toContain('Cost Impact Analysis');
  });

  it('text from the deployment cannot turn into Markdown or HTML, nor close its code block', () => {
    const reason = 'health check failed: | <img src=x onerror=alert(1)> **now** `x`';
    const result: DeployServiceResult = { phase: 'failed', reason, progress: progress({ phase: 'failed', reason, requestedBy: 'mallory <m@x>' }) };
    const markdown = serviceSummary(result, 'Why: ```\n# not a heading', noLink);
    expect(markdown).toContain('**Requested by:** mallory \\<m@x\\>');
    // The outcome's own ``` needs a longer fence around it.
    expect(markdown).toContain('````text\nWhy: ```\n# not a heading\n````');

    const stack = stackSummary({
      stack: 'user-platform',
      environment: 'production',
      version: 'v1.2.0',
      requestedBy: 'github:alice',
      workflowId: 'deploy-stack/user-platform/production',
      services: ['notification-service'],
      result: { phase: 'failed', services: [{ service: 'notification-service', phase: 'failed', reason }] },
      progress: new Map(),
      link: noLink,
    });
    expect(stack).toContain('| notification-service | ✗ failed | health check failed: \\| \\<img src=x onerror=alert(1)\\> \\*\\*now\\*\\* \\`x\\` |  |');
  });

  it('a stack: one row per service in deployment order, those after a failure not started, and the plan of each service that planned', () => {
    const userService = progress({ service: 'user-service', workflowId: 'deploy/user-platform/production/user-service', phase: 'rolled-back' });
    const markdown = stackSummary({
      stack: 'user-platform',
      environment: 'production',
      version: 'v1.2.0',
      requestedBy: 'github:alice',
      workflowId: 'deploy-stack/user-platform/production',
      services: ['notification-service', 'user-service'],
      result: { phase: 'failed', services: [{ service: 'user-service', phase: 'rolled-back', reason: 'p99 latency 2400 ms > 2000 ms' }] },
      progress: new Map([['user-service', userService]]),
      link,
    });
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('### ✗ user-platform → production: failed');
    expect(lines[2]).toBe(
      '**Version:** v1.2.0 · **Requested by:** github:alice · **Workflow:** [`deploy-stack/user-platform/production`](https://temporal.company.com/namespaces/default/workflows/deploy-stack%2Fuser-platform%2Fproduction)',
    );
    expect(lines.slice(4, 8)).toEqual([
      '| Service | Result | Why | Workflow |',
      '| --- | --- | --- | --- |',
      '| user-service | ✗ rolled-back | p99 latency 2400 ms \\> 2000 ms | [`deploy/user-platform/production/user-service`](https://temporal.company.com/namespaces/default/workflows/deploy%2Fuser-platform%2Fproduction%2Fuser-service) |',
      '| notification-service | not started (an earlier service did not succeed) |  |  |',
    ]);
    expect(markdown).toContain('<details>\n<summary>Plan: user-service</summary>\n\n```text\n┌');
    expect(markdown.match(/<details>/g)).toHaveLength(1);
  });

  it('--no-wait and errors: what started, or why apply stopped', () => {
    expect(startedSummary('notification-service', 'production', 'deploy/user-platform/production/notification-service', noLink)).toBe(
      '### ▶ notification-service → production: started\n\n**Workflow:** `deploy/user-platform/production/notification-service`\n',
    );
    const locked = Object.assign(new Error('notification-service (production) is being deployed by bob@company.com since 10:02'), { code: 'LOCKED' });
    expect(errorSummary('notification-service', 'production', locked)).toBe(
      '### ✗ notification-service → production: apply stopped (`LOCKED`)\n\n```text\nnotification-service (production) is being deployed by bob@company.com since 10:02\n```\n',
    );
  });
});
