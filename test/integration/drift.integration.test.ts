import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectDrift, ignoreDrift, remediateDrift } from '../../cli/drift';
import { destroyComponent } from '../../activities/provisioning';
import { upsertDriftSchedule } from '../../src/drift/schedule';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DeploymentNotification, Notifier } from '../../src/notify/notifier';
import { installRoot, stateDir } from '../../src/paths';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { targetFor } from '../../src/targets/targetFor';
import type { ComponentRef } from '../../src/model/componentRef';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { scaleOutsideDeployer } from '../../src/targets/local/outOfBand';
import { deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import type { DetectDriftResult } from '../../src/temporal/drift';
import { workerPorts } from '../../worker/ports';
import { runCli } from '../support/cli';
import { fromCheckout, ReviewedRepo } from '../support/reviewedRepo';
import { testClient, testNamespace, testWorker } from '../support/temporal';
import { detachFromUserService } from '../support/exampleRepo';
import { lastReleased } from '../../src/releases/releaseLog';
import { componentDeployment } from '../../src/targets/deployment';

// Drift end to end on the dev server, a real worker on its own task queue, the real engine and the
// local runtime that globalSetup started. The example repo is copied with an environment of its own
// (`drift`), so nothing here collides with other test files.
describe('drift: detect, notify once, ignore, acknowledge, remediate, deletion', () => {
  const stack = 'user-platform';
  const service = 'notification-service';
  const environment = 'drift';
  const user = 'ops@company.com';
  const taskQueue = `drift-${crypto.randomUUID()}`;
  const api: ComponentRef = { stack, environment, service, component: 'api' };
  const infraYaml = 'stacks/user-platform/services/notification-service/components/api/infra.yaml';
  const notifications: DeploymentNotification[] = [];
  const recorder: Notifier = { notify: async (notification) => void notifications.push(notification) };
  const ports = workerPorts(stateDir(), { notifier: recorder });
  let reviewed: ReviewedRepo;
  let repo: string;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const cliEnv = () => ({ DEPLOYER_TASK_QUEUE: taskQueue, DEPLOYER_USER: user, DEPLOYER_CONFIG: path.join(repo, 'no-config.json'), DEPLOYER_TEMPORAL_UI: '' });
  const driftNotifications = () => notifications.filter((notification) => notification.type === 'drift' && notification.environment === environment);

  beforeAll(async () => {
    reviewed = ReviewedRepo.adopt(copyExampleRepo(environment));
    repo = reviewed.root;
    client = await testClient();
    worker = await testWorker(taskQueue, ports);
  });

  afterAll(async () => {
    for (const id of [`drift/${stack}/${environment}`, `drift/${stack}/driftcron`]) await client.client.schedule.getHandle(id).delete().catch(() => undefined);
    // Leave nothing running in the shared runtime: destroy what this file deployed.
    const released = (await lastReleased(new FileReleaseStore(path.join(stateDir(), 'releases')), stack, environment, service));
    const spec = loadDesiredStack({ root: repo, stack, environment, variables: { VERSION: 'v1.2.0' } }).environment.spec;
    for (const component of released) {
      const deployment = componentDeployment(stack, { name: environment, spec }, component);
      await destroyComponent(ports.stacks, deployment, targetFor(deployment.environment).program(deployment)).catch(() => undefined);
    }
    await worker.stop();
    await client.close();
    reviewed.remove();
  });

  async function deploy(version: string) {
    const desired = fromCheckout(loadDesiredStack({ root: repo, stack, environment, variables: { VERSION: version } }), repo);
    const handle = await startServiceDeployment(client.client, { desired, service, requestedBy: user, version, kind: 'deploy' }, taskQueue);
    return deploymentResult(handle);
  }

  async function detect(options: { showIgnored?: boolean } = {}): Promise<DetectDriftResult> {
    const { result } = await detectDrift(client.client, { stack, environment, service, trigger: 'cli', requestedBy: user, ...options }, { namespace: testNamespace(), taskQueue });
    return result;
  }

  const statuses = (result: DetectDriftResult) => Object.fromEntries(result.services[0]!.components.map((component) => [component.name, component.status]));

  it('a deployment creates the drift Schedule from the environment\'s settings: interval, jitter, overlap SKIP, detectDrift on the worker\'s queue', async () => {
    const result = await deploy('v1.2.0');
    expect(result.phase).toBe('succeeded');
    const schedule = await client.client.schedule.getHandle(`drift/${stack}/${environment}`).describe();
    expect(schedule.spec.intervals).toEqual([expect.objectContaining({ every: 2 * 3600_000 })]);
    expect(schedule.spec.calendars ?? []).toEqual([]);
    // Runs spread by up to a tenth of the interval, at most 5 minutes.
    expect(schedule.spec.jitter).toBe(5 * 60_000);
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'detectDrift', workflowId: `drift/${stack}/${environment}`, taskQueue, args: [{ stack, environment, trigger: 'schedule' }] });
    expect(schedule.state.note).toBe(`deployer drift detection of ${stack} in ${environment}, every 2h (drift.interval) of environments/${environment}.yaml; updated by each successful deployment.`);
  });

  it('a cron schedule becomes the Schedule\'s calendar; an interval replaces it again', async () => {
    const handle = client.client.schedule.getHandle(`drift/${stack}/driftcron`);
    expect(await upsertDriftSchedule(client.client, { stack, environment: 'driftcron', drift: { interval: '1h', schedule: '*/20 * * * *' }, taskQueue })).toEqual({ scheduleId: `drift/${stack}/driftcron`, created: true });
    const cron = await handle.describe();
    expect(cron.spec.intervals ?? []).toEqual([]);
    expect(cron.spec.calendars).toEqual([expect.objectContaining({ minute: [{ start: 0, end: 59, step: 20 }], hour: [{ start: 0, end: 23, step: 1 }] })]);
    expect(await upsertDriftSchedule(client.client, { stack, environment: 'driftcron', drift: { interval: '45m' }, taskQueue })).toEqual({ scheduleId: `drift/${stack}/driftcron`, created: false });
    const interval = await handle.describe();
    expect(interval.spec.intervals).toEqual([expect.objectContaining({ every: 45 * 60_000 })]);
    expect(interval.spec.calendars ?? []).toEqual([]);
  });

  it('without drift: the scheduled run reports none and notifies nobody', async () => {
    const schedule = client.client.schedule.getHandle(`drift/${stack}/${environment}`);
    await schedule.trigger();
    const started = await waitFor(async () => (await schedule.describe()).info.recentActions[0]);
    const result = (await client.client.workflow.getHandle(started.action.workflow.workflowId).result()) as DetectDriftResult;
    expect(result).toMatchObject({ trigger: 'schedule', drifted: false, notified: 0 });
    expect(statuses(result)).toEqual({ api: 'in-sync', cache: 'in-sync', database: 'in-sync', queue: 'in-sync' });
    expect(driftNotifications()).toEqual([]);
  });

  it('replicas scaled behind deployer\'s back: exactly that field, medium, notified once; the CLI exits 5 with the box', async () => {
    await scaleOutsideDeployer(api, 3, 'by a test, outside deployer');
    const first = await detect();
    expect(first.drifted).toBe(true);
    expect(statuses(first)).toEqual({ api: 'drifted', cache: 'in-sync', database: 'in-sync', queue: 'in-sync' });
    const report = first.services[0]!.components.find((component) => component.name === 'api')!;
    expect(report).toMatchObject({ severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' });
    expect(report.fields).toEqual([{ field: 'replicas', specPath: ['scaling', 'replicas'], desired: 2, actual: 3, severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' }]);
    expect(first.notified).toBe(1);
    expect(driftNotifications()).toEqual([
      expect.objectContaining({ service, message: 'drift in drift: api (MicroService) replicas 2 -> 3 [medium: Manual scaling outside deployer (console / deployer local scale)]', version: 'v1.2.0' }),
    ]);

    const cli = await runCli(['drift', 'detect', '--service', service, '--environment', environment, '--repo', repo], cliEnv(), repo);
    expect(cli.code).toBe(5);
    expect(cli.stdout).toContain('│ Drift Detection: notification-service');
    expect(cli.stdout).toContain('│ ⚠ MEDIUM: api (MicroService)');
    expect(cli.stdout).toContain('│     replicas: 3          ← Drift detected');
    expect(cli.stdout).toContain('│ ✓ All other components match desired state');
    expect(cli.stdout).toContain('│   [Remediate] - Restore to desired state (2 replicas)');
    // The same finding is not notified again, and keeps when it was first seen.
    const again = await detect();
    expect(again.notified).toBe(0);
    expect(again.services[0]!.components.find((component) => component.name === 'api')!.firstSeen).toBe(report.firstSeen);
    expect(driftNotifications()).toHaveLength(1);
  });

  it('an ignored field is silent in the next run and listed with --show-ignored', async () => {
    await ignoreDrift(client.client, { stack, environment, service, component: 'api', field: 'replicas', reason: 'load test', by: user }, { namespace: testNamespace(), taskQueue });
    const quiet = await detect();
    expect(quiet.drifted).toBe(false);
    expect(statuses(quiet)).toEqual({ api: 'in-sync', cache: 'in-sync', database: 'in-sync', queue: 'in-sync' });
    expect(JSON.stringify(quiet)).not.toContain('replicas');
    const shown = await detect({ showIgnored: true });
    expect(shown.services[0]!.ignores).toEqual([expect.objectContaining({ component: 'api', field: 'replicas', reason: 'load test', by: user })]);
    expect(shown.services[0]!.components.find((component) => component.name === 'api')!.ignored).toEqual([expect.objectContaining({ field: 'replicas', desired: 2, actual: 3 })]);
    const cli = await runCli(['drift', 'detect', '--service', service, '--environment', environment, '--show-ignored', '--repo', repo], cliEnv(), repo);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('│   api replicas (no end date, by ops@company.com, load test): replicas 2 → 3');
    await ignoreDrift(client.client, { stack, environment, service, component: 'api', field: 'replicas', by: user, remove: true }, { namespace: testNamespace(), taskQueue });
    expect((await detect()).drifted).toBe(true);
  });

  it('acknowledge writes the actual value into infra.yaml, comments kept; once applied there is no drift', async () => {
    const before = fs.readFileSync(path.join(repo, infraYaml), 'utf8');
    const cli = await runCli(['drift', 'acknowledge', '--service', service, '--environment', environment, '--repo', repo], cliEnv(), repo);
    expect(cli.stderr).not.toContain('Error');
    expect(cli.code).toBe(0);
    const after = fs.readFileSync(path.join(repo, infraYaml), 'utf8');
    expect(after).toBe(`${before}  ${environment}:\n    scaling:\n      replicas: 3\n`);
    expect(after).toContain('# Production runs bigger.');
    expect(cli.stdout).toContain(`  api replicas: 2 → 3  (${infraYaml}, overrides.drift.scaling.replicas)`);
    expect(cli.stdout).toContain(`--- a/${infraYaml}\n+++ b/${infraYaml}\n@@ -27,3 +27,6 @@\n`);
    expect(cli.stdout).toContain('+  drift:\n+    scaling:\n+      replicas: 3\n');
    expect(cli.stdout).toContain(`deployer apply --stack ${stack} --service ${service} --environment ${environment} --var VERSION=v1.2.0`);

    const applied = await deploy('v1.2.0');
    expect(applied.phase).toBe('succeeded');
    const result = await detect();
    expect(result.drifted).toBe(false);
    expect(await new LocalObserver().health(api)).toMatchObject({ healthy: true, summary: '3/3 replicas healthy' });
  });

  it('remediate restores the desired state through a deployment, then finds no drift', async () => {
    await scaleOutsideDeployer(api, 1, 'by a test, outside deployer');
    expect((await detect()).drifted).toBe(true);
    const { result } = await remediateDrift(client.client, { stack, environment, service, requestedBy: user }, { namespace: testNamespace(), taskQueue });
    expect(result).toMatchObject({ phase: 'succeeded', workflowId: `deploy/${stack}/${environment}/${service}`, version: 'v1.2.0', remediated: [`${service}/api`] });
    expect(result.before.components.find((component) => component.name === 'api')!.fields).toEqual([expect.objectContaining({ field: 'replicas', desired: 3, actual: 1 })]);
    expect(Object.fromEntries(result.after!.components.map((component) => [component.name, component.status]))).toEqual({ api: 'in-sync', cache: 'in-sync', database: 'in-sync', queue: 'in-sync' });
    expect(await new LocalObserver().health(api)).toMatchObject({ healthy: true, summary: '3/3 replicas healthy' });
    const [latest] = await new FileReleaseStore(path.join(stateDir(), 'releases')).history(stack, environment, service);
    expect(latest).toMatchObject({ version: 'v1.2.0', result: 'succeeded', deployedBy: user });
  });

  it('a component deleted outside deployer is high severity, "deleted outside deployer"; remediate recreates it', async () => {
    const deleted = await runCli(['local', 'delete', '--component', `${service}/api`, '--environment', environment, '--repo', repo], cliEnv(), repo);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`⚠ Out-of-band change: deleted ${service}/api (MicroService) in ${environment} from the local runtime, bypassing deployer (by ${user}).`);
    expect(await new LocalObserver().state(api)).toBeUndefined();

    const result = await detect();
    expect(statuses(result)).toEqual({ api: 'deleted', cache: 'in-sync', database: 'in-sync', queue: 'in-sync' });
    expect(result.services[0]!.components.find((component) => component.name === 'api')).toMatchObject({ status: 'deleted', severity: 'high', cause: 'deleted outside deployer' });
    expect(driftNotifications().at(-1)).toMatchObject({ message: 'drift in drift: api (MicroService) deleted [high: deleted outside deployer]' });

    const cli = await runCli(['drift', 'detect', '--service', service, '--environment', environment, '--repo', repo], cliEnv(), repo);
    expect(cli.code).toBe(5);
    expect(cli.stdout).toContain('│ ⚠ HIGH: api (MicroService)');
    expect(cli.stdout).toContain('│   Likely cause: deleted outside deployer');

    const { result: remediated } = await remediateDrift(client.client, { stack, environment, service, requestedBy: user }, { namespace: testNamespace(), taskQueue });
    expect(remediated).toMatchObject({ phase: 'succeeded', remediated: [`${service}/api`] });
    expect(remediated.after!.components.filter((component) => component.status !== 'in-sync')).toEqual([]);
    expect(await new LocalObserver().health(api)).toMatchObject({ healthy: true, summary: '3/3 replicas healthy' });
  });
});

function copyExampleRepo(environment: string): string {
  const example = path.join(installRoot, 'examples', 'deployment-repo');
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-drift-'));
  fs.cpSync(example, repo, { recursive: true });
  const app = path.join(installRoot, 'examples', 'apps', 'notification-api');
  fs.writeFileSync(
    path.join(repo, 'environments', `${environment}.yaml`),
    [
      'apiVersion: components.deployer.io/v1',
      'kind: Environment',
      'metadata:',
      `  name: ${environment}`,
      'spec:',
      '  target: local',
      '  rollout:',
      '    healthTimeout: 60s',
      '    monitorWindow: 2s',
      '    checkInterval: 1s',
      '  drift:',
      '    interval: 2h',
      '  local:',
      '    images:',
      '      notification-api:',
      '        command: [node, server.js]',
      `        workingDir: ${app}`,
      '      user-api:',
      '        command: [node, server.js]',
      `        workingDir: ${app}`,
      '',
    ].join('\n'),
  );
  // notification-service alone: user-service is not deployed in this environment.
  detachFromUserService(repo);
  return repo;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
