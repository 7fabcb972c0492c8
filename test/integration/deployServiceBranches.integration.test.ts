import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DeployerActivities } from '../../activities';
import { createPlanningActivities } from '../../activities/planning';
import { createReleaseActivities } from '../../activities/releases';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DeploymentPolicy, DesiredStack } from '../../src/model/types';
import { installRoot } from '../../src/paths';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import type { ReleasedComponent, ReleaseRecord } from '../../src/releases/releaseRecord';
import { deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import { DECOMMISSION_SERVICE_WORKFLOW, DEPLOY_STACK_WORKFLOW, type DeployServiceResult, type DeployStackResult } from '../../src/temporal/deployment';
import type { ComponentTask, MonitorBreach } from '../../src/temporal/deploymentActivities';
import { testClient, testNamespace, testServerAddress } from '../support/temporal';
import { runWorkflowBundle } from '../support/workflowBundleFile';
import { lastReleased } from '../../src/releases/releaseLog';

// deployService's rare branches with fake provisioning (the real workflow code on the dev server,
// real planning against a release log in a temp dir): fast, and each branch asserted by the exact
// engine calls it makes. The real path is covered end to end elsewhere.
describe('deployService branches, with fake provisioning', () => {
  const taskQueue = `branches-${crypto.randomUUID()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-branches-'));
  const releases = new FileReleaseStore(path.join(dir, 'releases'));
  const engineCalls: string[] = [];
  let breach: MonitorBreach | undefined;
  let client: Awaited<ReturnType<typeof testClient>>;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;

  const policy: DeploymentPolicy = {
    environment: 'development',
    approval: { required: false, timeout: '1h', allowSelfApproval: false, channels: ['cli', 'slack'] },
    approvers: [],
    groups: {},
    slackUsers: {},
    githubUsers: {},
    signingKeys: {},
    breakGlass: [],
  };
  const record = (task: ComponentTask, verb: string) => engineCalls.push(`${verb} ${task.component.id}@${String((task.component.spec as { image?: string }).image ?? task.component.kind)}`);

  beforeAll(async () => {
    client = await testClient();
    connection = await NativeConnection.connect({ address: testServerAddress() });
    const { planService } = createPlanningActivities({ releases });
    const { recordRelease, lastRelease, deployedServices } = createReleaseActivities({ releases });
    const activities: Partial<DeployerActivities> = {
      reviewRequest: async () => ({ policy, source: { repo: dir, ref: 'refs/heads/main', commit: '0'.repeat(40) }, commitReviewed: true, requesterProof: 'claimed' }),
      planService,
      recordRelease,
      lastRelease,
      deployedServices,
      applyComponent: async (task) => {
        record(task, 'apply');
        return { durationMs: 1, changes: {} };
      },
      removeComponent: async (task) => {
        record(task, 'remove');
      },
      awaitHealthy: async () => undefined,
      monitorRelease: async () => breach,
      notify: async () => undefined,
      ensureDriftSchedule: async () => ({ scheduleId: 'unused', created: false }),
    };
    worker = await Worker.create({ connection, namespace: testNamespace(), taskQueue, workflowBundle: runWorkflowBundle(), activities });
    running = worker.run();
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    engineCalls.length = 0;
    breach = undefined;
  });

  function desired(version: string, without: string[] = []): DesiredStack {
    const model = loadDesiredStack({ root: path.join(installRoot, 'examples', 'deployment-repo'), stack: 'user-platform', environment: 'development', variables: { VERSION: version, USER_API_VERSION: version }, services: ['user-service'] });
    const service = model.services.find((candidate) => candidate.name === 'user-service')!;
    service.components = service.components.filter((component) => !without.includes(component.name));
    model.environment.spec.rollout = { healthTimeout: '1m', monitorWindow: '1m', checkInterval: '1s' };
    return model;
  }

  function released(model: DesiredStack, version: string): ReleaseRecord {
    const service = model.services.find((candidate) => candidate.name === 'user-service')!;
    const components: ReleasedComponent[] = service.components.map(({ source: _source, ...component }) => component);
    const now = new Date().toISOString();
    return { stack: model.stack, environment: 'development', service: 'user-service', version, deployedBy: 'alice@company.com', startedAt: now, finishedAt: now, result: 'succeeded', components, serviceSpec: service.spec, environmentSpec: model.environment.spec, groups: {} };
  }

  const execute = <T>(workflow: string, args: unknown[], workflowId: string): Promise<T> => client.client.workflow.execute(workflow, { taskQueue, workflowId, args }) as Promise<T>;

  const deploy = async (model: DesiredStack, version: string) =>
    deploymentResult(await startServiceDeployment(client.client, { desired: model, service: 'user-service', requestedBy: 'alice@company.com', version, kind: 'deploy' }, taskQueue));

  it('a rollback after a deployment that removed a component recreates it: exactly the previous release again', async () => {
    const before = desired('v1.0.0');
    await releases.append(released(before, 'v1.0.0'));
    breach = { reason: 'error rate 33% > 5%', errorRatePercent: 33, p99LatencyMs: 10, unhealthy: [] };

    const result = await deploy(desired('v2.0.0', ['database']), 'v2.0.0');

    expect(result.phase).toBe('rolled-back');
    // Newest first: the removed database comes back, then the api's previous version.
    expect(engineCalls).toEqual(['apply user-service/api@user-api:v2.0.0', 'remove user-service/database@RDS', 'apply user-service/database@RDS', 'apply user-service/api@user-api:v1.0.0']);
    // What the record says runs is what the rollback put back: the removed component included.
    expect(result.release!.components.map((component) => component.id).sort()).toEqual(before.services[0]!.components.map((component) => component.id).sort());
  });

  it('a change that replaces a database is refused before anything is applied, and goes ahead with --allow-replace', async () => {
    const before = desired('v1.0.0');
    await releases.append(released(before, 'v1.0.0'));
    const changed = desired('v1.0.0');
    const database = changed.services[0]!.components.find((component) => component.name === 'database')!;
    (database.spec as { database: { name: string } }).database.name = 'users_v2';
    database.specHash = `${database.specHash}:renamed`;

    const refused = await deploy(changed, 'v1.0.0');
    expect(refused.phase).toBe('failed');
    expect(engineCalls).toEqual([]);
    expect(refused.reason).toContain(`user-service/database (${database.source.file}:${database.source.line}): database.name changes: the RDS instance is replaced`);
    expect(refused.reason).toContain('apply again with --allow-replace user-service/database');

    const accepted = await deploymentResult(await startServiceDeployment(client.client, { desired: changed, service: 'user-service', requestedBy: 'alice@company.com', version: 'v1.0.0', kind: 'deploy', allowReplace: ['user-service/database'] }, taskQueue));
    expect(accepted.phase).toBe('succeeded');
    expect(engineCalls).toEqual(['apply user-service/database@RDS']);
    expect(accepted.progress.plan!.waves[0]!.changes[0]).toMatchObject({ id: 'user-service/database', action: 'replace', replacements: [expect.objectContaining({ field: 'database.name', before: 'users', after: 'users_v2', losesData: true })] });
  });

  it('a stack apply refuses while a service deployed here is gone from the repo; decommission removes it on purpose', async () => {
    const model = desired('v1.0.0');
    await releases.append(released(model, 'v1.0.0'));
    const refused = await execute<DeployStackResult>(DEPLOY_STACK_WORKFLOW, [{ desired: { ...model, services: [] }, requestedBy: 'alice@company.com', version: 'v1.0.0' }], `deploy-stack/branches-${crypto.randomUUID()}`);
    expect(refused).toEqual({ services: [], phase: 'failed', reason: expect.stringContaining('user-service runs in development but is no longer in the repo') });
    expect(refused.reason).toContain('deployer decommission --stack user-platform --service user-service --environment development');
    expect(engineCalls).toEqual([]);

    const result = await execute<DeployServiceResult>(DECOMMISSION_SERVICE_WORKFLOW, [{ stack: 'user-platform', environment: 'development', service: 'user-service', requestedBy: 'alice@company.com', reason: 'replaced' }], `decommission/branches-${crypto.randomUUID()}`);
    expect(result.phase).toBe('succeeded');
    expect(engineCalls.sort()).toEqual(['remove user-service/api@user-api:v1.0.0', 'remove user-service/database@RDS']);
    expect((await lastReleased(releases, 'user-platform', 'development', 'user-service'))).toEqual([]);
    expect((await releases.history('user-platform', 'development', 'user-service'))[0]).toMatchObject({ result: 'succeeded', components: [] });
  });
});
