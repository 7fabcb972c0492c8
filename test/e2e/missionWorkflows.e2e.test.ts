/**
 * @mostly-waits This file's minutes go mostly to waiting: health gates, monitor windows and
 * approvals, at the pace a user meets them. test/sequencer.js starts it
 * among files that keep the cores busy.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliResult, runCli, startCli } from '../support/cli';
import { HTTP_PORT_OFFSET } from '../../src/devenv/endpoints';
import { freePort, freePortWithFreeNeighbour } from '../../src/tcpPorts';
import { processesReferencing } from '../support/processes';
import { ReviewedRepo } from '../support/reviewedRepo';

// The mission's Workflows 1 to 4 and its day-to-day and troubleshooting commands, typed as the
// mission types them, in a deployment repo checkout, against `deployer dev start` on this machine
// (its own state dir and ports). The repo starts as the mission's "Before": no cache yet, base
// scaling for production. Monitor windows are shortened so the suite runs in minutes.
describe('the mission, end to end on the local target', () => {
  let home: string;
  let reviewed: ReviewedRepo;
  let repo: string;
  const api = 'stacks/user-platform/services/notification-service/components/api';

  /** What a user's shell has: this state dir and identity; Temporal is the one `dev start` recorded there. */
  function env(user = 'alice@company.com'): NodeJS.ProcessEnv {
    return { DEPLOYER_HOME: home, ...reviewed.envFor(user), DEPLOYER_TEMPORAL_ADDRESS: undefined, DEPLOYER_TEMPORAL_NAMESPACE: undefined };
  }

  function deployer(args: string[], user = 'alice@company.com'): Promise<CliResult> {
    return runCli(args, env(user), repo);
  }

  function edit(file: string, change: (text: string) => string): void {
    const target = path.join(repo, file);
    fs.writeFileSync(target, change(fs.readFileSync(target, 'utf8')));
  }

  function commit(message: string): void {
    execFileSync('git', ['add', '-A'], { cwd: repo });
    execFileSync('git', ['-c', 'user.name=Alice', '-c', 'user.email=alice@company.com', 'commit', '-q', '-m', message], { cwd: repo });
  }

  /** What the requester of a production deployment reads once it waits for an approver. */
  const APPROVER_RUNS = 'Waiting for an approver, who runs the command below.';

  /** `deployer apply` in production as alice, approved from "another terminal" by carol. */
  async function applyApprovedByCarol(version: string): Promise<CliResult> {
    const apply = startCli(['apply', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'production', '--var', `VERSION=${version}`], env(), repo);
    // The command comes last, on its own line after the box (and may arrive in a write of its own).
    const approverCommand = 'deployer approve --stack user-platform --service notification-service --environment production';
    await waitFor(() => apply.output().includes(approverCommand));
    // The requester sees the approval box (plan, approvers, deadline), why they cannot approve, and what an approver runs.
    expect(apply.output()).toContain('Production Deployment Approval Required');
    expect(apply.output()).toContain('You cannot approve this one: ');
    expect(apply.output()).toContain(APPROVER_RUNS);
    const approved = await deployer(['approve', '--service', 'notification-service', '--environment', 'production'], 'carol@company.com');
    expect(approved.code).toBe(0);
    return apply.done;
  }

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-mission-'));
    fs.chmodSync(home, 0o711);
    // The repo is its own git repository with every person's signing key, committed to main: the
    // reviewed branch the worker reads approval policy from.
    reviewed = ReviewedRepo.create((root) => {
      repo = root;
      for (const environment of ['development', 'staging', 'production']) {
        edit(`environments/${environment}.yaml`, (text) => text.replace(/\n +checkInterval: \w+/, '').replace(/monitorWindow: \w+/, 'monitorWindow: 5s\n    checkInterval: 1s'));
      }
      // The mission's "Before": production runs the base scaling, and the service has no cache yet.
      edit(`${api}/infra.yaml`, (text) => text.slice(0, text.indexOf('# Production runs bigger.')));
      fs.rmSync(path.join(repo, 'stacks/user-platform/services/notification-service/components/cache'), { recursive: true });
      edit(`${api}/microservice.yaml`, (text) =>
        text
          .replace(/ {4}- name: CACHE_HOST\n[\s\S]*? {4}- name: CACHE_ENABLED\n.*\n/, '')
          .replace('    - notification-service/cache\n', ''),
      );
      edit(`${api}/configs/app.yaml`, (text) => text.slice(0, text.indexOf('cache:')));
    });

    const started = await deployer(['dev', 'start', '--port', String(await freePortWithFreeNeighbour(HTTP_PORT_OFFSET)), '--ui-port', String(await freePort())]);
    expect(started.code).toBe(0);
    // Cross-service dependency: the notification API reads user-service's url.
    for (const environment of ['development', 'staging']) {
      const setup = await deployer(['apply', '--stack', 'user-platform', '--service', 'user-service', '--environment', environment]);
      // stderr carries the live progress; nothing else belongs there (no warning, no error).
      expect(setup.stderr.split('\n').filter((line) => line.trim() && !/^ *(wave \d+ |→ )/.test(line))).toEqual([]);
      expect(setup.code).toBe(0);
    }
    const production = startCli(['apply', '--stack', 'user-platform', '--service', 'user-service', '--environment', 'production'], env('bob@company.com'), repo);
    await waitFor(() => production.output().includes(APPROVER_RUNS));
    expect((await deployer(['approve', '--service', 'user-service', '--environment', 'production'], 'carol@company.com')).code).toBe(0);
    expect((await production.done).code).toBe(0);
  });

  afterAll(async () => {
    await deployer(['dev', 'stop']);
    const leftovers = processesReferencing(home);
    fs.rmSync(home, { recursive: true, force: true });
    reviewed.remove();
    expect(leftovers).toEqual([]);
  });

  it('Workflow 1: deploy to development, test, promote to staging and production (approved), roll back', async () => {
    expect(await deployer(['apply', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'development', '--var', 'VERSION=v1.1.0'])).toMatchObject({ code: 0 });
    const dev = await deployer(['apply', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'development', '--var', 'VERSION=v1.2.0']);
    expect(dev).toMatchObject({ code: 0 });
    expect(dev.stdout).toContain('Deployment Plan: notification-service (development)');
    expect(dev.stdout).toContain('image: v1.1.0 → v1.2.0');
    expect(dev.stdout).toMatch(/✓ Deployment successful!\n {2}Duration: .*\n {2}Version: v1\.2\.0\n {2}Resources updated: 1/);
    expect(dev.stdout).toContain('Dashboard: https://grafana.company.com/d/notification-service');

    const status = await deployer(['status', '--service', 'notification-service', '--environment', 'development']);
    expect(status.stdout).toMatch(/│ api +MicroService +2\/2 running +✓ Healthy/);
    expect(status.stdout).toMatch(/Version: v1\.2\.0/);

    const logs = startCli(['logs', '--component', 'notification-service/api', '--environment', 'development', '--follow'], env(), repo);
    await waitFor(() => /INFO notification-api v1\.2\.0 listening/.test(logs.output()));
    logs.signal('SIGINT');
    expect((await logs.done).code).toBe(0);

    const metrics = await deployer(['metrics', '--component', 'notification-service/api', '--environment', 'development']);
    expect(metrics.code).toBe(0);
    expect(metrics.stdout).toContain('Metrics: notification-service/api (last 1 hour)');

    expect((await deployer(['apply', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'staging', '--var', 'VERSION=v1.2.0'])).code).toBe(0);
    const tests = await deployer(['test', '--service', 'notification-service', '--environment', 'staging']);
    expect(tests.code).toBe(0);
    expect(tests.stdout).toMatch(/✓ health/);
    expect(tests.stdout).toMatch(/✓ list-notifications/);

    expect((await applyApprovedByCarol('v1.1.0')).code).toBe(0);
    const production = startCli(['apply', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'production', '--var', 'VERSION=v1.2.0'], env(), repo);
    await waitFor(() => production.output().includes(APPROVER_RUNS));
    const follow = startCli(['status', '--service', 'notification-service', '--environment', 'production', '--follow'], env(), repo);
    expect((await deployer(['approve', '--service', 'notification-service', '--environment', 'production'], 'dave@company.com')).code).toBe(0);
    const deployed = await production.done;
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain('✓ Deployment successful!');
    const followed = await follow.done;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/Version: v1\.2\.0/);

    // Production requires approval, so a rollback does too; carol, on deployer.yaml's breakGlass list, needs none.
    const rollback = startCli(['rollback', '--service', 'notification-service', '--environment', 'production'], env(), repo);
    await waitFor(() => rollback.output().includes('production requires approval to roll back'));
    expect((await deployer(['approve', '--service', 'notification-service', '--environment', 'production'], 'dave@company.com')).code).toBe(0);
    const rolledBack = await rollback.done;
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.stdout).toContain('to version v1.1.0');
    const again = await deployer(['rollback', '--service', 'notification-service', '--environment', 'production', '--to-version', 'v1.2.0'], 'carol@company.com');
    expect(again.code).toBe(0);
    expect((await deployer(['status', '--service', 'notification-service', '--environment', 'production'])).stdout).toMatch(/Version: v1\.2\.0/);
  });

  it('Workflow 2: a config change restarts with the new config, no new image', async () => {
    edit(`${api}/configs/app.yaml`, (text) => text.replace('maxRetries: 3', 'maxRetries: 5      # ← Changed').replace('retryDelay: 5s', 'retryDelay: 10s    # ← Changed'));
    commit('Increase email retry count and delay');
    const applied = await applyApprovedByCarol('v1.2.0');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('config only: restart with the new config, no new image');
    const exec = await deployer(['exec', '--component', 'notification-service/api', '--environment', 'production', '--command', 'cat "$CONFIG_DIR/app.yaml"']);
    expect(exec.stdout).toContain('maxRetries: 5');
  });

  it('Workflow 3: scaling up shows the cost impact and runs five replicas', async () => {
    edit(`${api}/infra.yaml`, (text) =>
      text
        .replace('cpu: 256', 'cpu: 512       # ← Doubled')
        .replace('memory: 512', 'memory: 1024   # ← Doubled')
        .replace('replicas: 2', 'replicas: 5    # ← Increased')
        .replace('minReplicas: 2', 'minReplicas: 5    # ← Increased')
        .replace('maxReplicas: 10', 'maxReplicas: 20   # ← Doubled'),
    );
    commit('Scale notification API: increase resources and replicas');
    const applied = await applyApprovedByCarol('v1.2.0');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Cost Impact Analysis');
    expect(applied.stdout).toMatch(/scaling\.replicas: 2 → 5/);
    expect((await deployer(['status', '--service', 'notification-service', '--environment', 'production'])).stdout).toMatch(/5\/5 running/);
  });

  it('Workflow 4: add a Redis cache; it is created first, then the API update uses it', async () => {
    const cache = path.join(repo, 'stacks/user-platform/services/notification-service/components/cache');
    fs.mkdirSync(cache, { recursive: true });
    fs.writeFileSync(
      path.join(cache, 'elasticache.yaml'),
      [
        'apiVersion: components.deployer.io/v1',
        'kind: ElastiCacheRedis',
        '',
        'metadata:',
        '  name: cache',
        '  service: notification-service',
        '  stack: user-platform',
        '',
        'spec:',
        '  engine:',
        '    version: "7.0"',
        '  ',
        '  cluster:',
        '    mode: replication-group',
        '    nodeType: cache.t3.medium',
        '    numNodes: 2',
        '  ',
        '  security:',
        '    atRestEncryption: true',
        '    transitEncryption: true',
        '',
      ].join('\n'),
    );
    edit(`${api}/microservice.yaml`, (text) =>
      text
        .replace(
          '    - name: QUEUE_URL',
          '    - name: CACHE_HOST\n      valueFrom:\n        component: notification-service/cache\n        output: endpoint\n    - name: CACHE_PORT\n      value: "6379"\n    - name: CACHE_AUTH_TOKEN\n      valueFrom:\n        component: notification-service/cache\n        output: authToken\n    - name: CACHE_ENABLED\n      value: "true"\n    - name: QUEUE_URL',
        )
        .replace('    - notification-service/database\n', '    - notification-service/database\n    - notification-service/cache  # ← New\n'),
    );
    edit(`${api}/configs/app.yaml`, (text) => `${text}cache:\n  enabled: true\n  ttl: 3600\n  maxSize: 10000\n`);
    commit('Add Redis cache to notification service');
    const applied = await applyApprovedByCarol('v1.3.0');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Wave 1:.*\n.*\+ cache \(ElastiCacheRedis\) +CREATE/);
    expect(applied.stdout).toMatch(/Wave 2 \(after wave 1\):.*\n.*⚠ api \(MicroService\) +UPDATE/);
    expect(applied.stdout).toContain('image: v1.2.0 → v1.3.0');
    expect(applied.stdout).toMatch(/environment: \+CACHE_HOST, \+CACHE_PORT/);
    const status = await deployer(['status', '--service', 'notification-service', '--environment', 'production']);
    expect(status.stdout).toMatch(/│ cache +ElastiCache +available +✓ Healthy/);
  });

  it('day-to-day operations and troubleshooting, as the mission types them', async () => {
    const component = ['--component', 'notification-service/api', '--environment', 'production'];
    expect((await deployer(['logs', ...component, '--filter', 'ERROR', '--since', '1h'])).code).toBe(0);
    const search = await deployer(['logs', ...component, '--search', 'listening', '--since', '24h']);
    expect(search.stdout).toContain('listening');
    expect((await deployer(['metrics', ...component, '--since', '1h'])).stdout).toContain('Metrics: notification-service/api (last 1 hour)');
    const history = await deployer(['history', '--service', 'notification-service', '--environment', 'production', '--limit', '10']);
    expect(history.stdout).toContain('Deployment History: notification-service (production)');
    expect(history.stdout).toMatch(/v1\.3\.0 .*alice@company/);
    expect((await deployer(['show', ...component, '--show-events'])).code).toBe(0);
    expect((await deployer(['health', ...component])).code).toBe(0);
    expect((await deployer(['exec', ...component, '--command', '/bin/sh'])).code).toBe(0);
    const json = JSON.parse((await deployer(['status', '--service', 'notification-service', '--environment', 'production', '--json'])).stdout);
    expect(json.services[0].lastRelease).toMatchObject({ version: 'v1.3.0', result: 'succeeded', deployedBy: 'alice@company.com', approvedBy: { identity: 'carol@company.com', channel: 'cli' } });

    // Someone scales production by hand; drift detection says so, remediation puts it back.
    expect((await deployer(['local', 'scale', ...component, '--replicas', '3'], 'bob@company.com')).code).toBe(0);
    const drift = await deployer(['drift', 'detect', '--service', 'notification-service', '--environment', 'production']);
    expect(drift.code).toBe(5);
    expect(drift.stdout).toContain('Drift Detection: notification-service');
    expect(drift.stdout).toMatch(/⚠ MEDIUM: api \(MicroService\)/);
    expect(drift.stdout).toMatch(/replicas: 3 +← Drift detected/);
    expect((await deployer(['drift', 'remediate', '--service', 'notification-service', '--environment', 'production'])).code).toBe(0);
    expect((await deployer(['drift', 'detect', '--service', 'notification-service', '--environment', 'production'])).code).toBe(0);
    expect((await deployer(['status', '--service', 'notification-service', '--environment', 'production'])).stdout).toMatch(/5\/5 running/);

    // Scripts read --json: the documented shape (docs/cli.md), here for an apply with nothing to do.
    const noop = JSON.parse((await deployer(['apply', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'production', '--var', 'VERSION=v1.3.0', '--json'])).stdout);
    expect(noop).toEqual({
      nextSteps: [],
      phase: 'unchanged',
      progress: {
        workflowId: 'deploy/user-platform/production/notification-service',
        stack: 'user-platform',
        environment: 'production',
        service: 'notification-service',
        version: 'v1.3.0',
        kind: 'deploy',
        requestedBy: 'alice@company.com',
        phase: 'unchanged',
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        plan: expect.objectContaining({ stack: 'user-platform', environment: 'production', noop: true, waves: [], deletions: [] }),
        waves: [],
        approval: expect.objectContaining({ required: true, approvers: ['notifications-team-lead', 'platform-team'], runId: expect.any(String) }),
      },
    });

    const locks = await deployer(['state', 'locks', '--stack', 'user-platform', '--environment', 'production']);
    expect(locks.stdout).toContain('No locks held on user-platform (production).');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 120000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
