import crypto from 'node:crypto';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { stateDir } from '../../src/paths';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/searchAttributes';
import { deploymentProgress, deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import {
  approvalUpdate,
  DeployServiceInput,
  DeployServiceResult,
  DEPLOY_STACK_WORKFLOW,
  ROLLBACK_SERVICE_WORKFLOW,
  RUN_TESTS_WORKFLOW,
} from '../../src/temporal/deployment';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { workerPorts } from '../../worker/ports';
import { get, loadUntil } from '../support/load';
import { ReviewedRepo } from '../support/reviewedRepo';
import { testClient, testWorker } from '../support/temporal';
import { ServiceLockedError } from '../../src/errors';

// deployService and friends on the real dev server, a real worker, the real engine and the local
// runtime that globalSetup started: locks, approval, health gate, monitoring, automatic rollback.
describe('deployment workflows', () => {
  const taskQueue = `deploy-${crypto.randomUUID()}`;
  const stack = `shop${crypto.randomBytes(3).toString('hex')}`.replace(/[0-9]/g, (digit) => String.fromCharCode(97 + Number(digit)));
  const api = { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' };
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const releases = () => new FileReleaseStore(path.join(stateDir(), 'releases'));
  const repo = ReviewedRepo.create();

  beforeAll(async () => {
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir(), { policy: repo.policySource() }));
  });

  afterAll(async () => {
    await worker.stop();
    await client.close();
    repo.remove();
  });

  /** The example repo in development, with a short rollout so tests do not wait for minutes. */
  function desired(version: string, tune: (spec: DesiredStack['environment']['spec']) => void = () => undefined): DesiredStack {
    const model = loadDesiredStack({ root: repo.root, stack: 'user-platform', environment: 'development', variables: { VERSION: version } });
    model.environment.spec.rollout = { healthTimeout: '40s', monitorWindow: '3s', checkInterval: '1s' };
    tune(model.environment.spec);
    return repo.rendered(model);
  }

  function input(version: string, overrides: Partial<DeployServiceInput> = {}, tune?: Parameters<typeof desired>[1]): DeployServiceInput {
    return { desired: desired(version, tune), service: 'notification-service', requestedBy: 'alice@company.com', version, kind: 'deploy', ...overrides };
  }

  async function served(): Promise<string> {
    const state = await new LocalObserver().state(api);
    return (await get(`${state!.outputs.url}/version`)).body;
  }

  it('deploys the whole stack, services in dependency order, and records the releases', async () => {
    const result = await client.client.workflow.execute(DEPLOY_STACK_WORKFLOW, {
      taskQueue,
      workflowId: `deploy-stack/${stack}/${crypto.randomUUID()}`,
      args: [{ desired: desired('v1.2.0'), requestedBy: 'alice@company.com', version: 'v1.2.0' }],
    });
    expect(result).toEqual({
      phase: 'succeeded',
      services: [
        { service: 'user-service', phase: 'succeeded' },
        { service: 'notification-service', phase: 'succeeded' },
      ],
    });
    expect(await served()).toContain('v1.2.0');
    const [latest] = await releases().history('user-platform', 'development', 'notification-service');
    expect(latest).toMatchObject({ version: 'v1.2.0', result: 'succeeded', deployedBy: 'alice@company.com', workflowId: 'deploy/user-platform/development/notification-service' });
    expect(latest!.components.map((component) => component.id).sort()).toEqual(['notification-service/api', 'notification-service/cache', 'notification-service/database', 'notification-service/queue']);

    const description = await client.client.workflow.getHandle('deploy/user-platform/development/notification-service').describe();
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.DeployStatus)).toBe('succeeded');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.DeployedBy)).toBe('alice@company.com');
  });

  it('finishes at once when nothing changed, without touching Pulumi', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.2.0'), taskQueue);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('unchanged');
    const history = await handle.fetchHistory();
    const activities = history.events!.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => event.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities).toEqual(['reviewRequest', 'planService']);
  });

  it('holds the service lock while waiting for approval, takes only an approver, and records who approved', async () => {
    // The team merges "development needs approval" to the reviewed branch; the worker reads it from there.
    const approvalRequired = (required: boolean) => {
      repo.editYaml('environments/development.yaml', (doc) => doc.setIn(['spec', 'approval', 'required'], required));
      repo.commit(`development approval required: ${required}`);
    };
    approvalRequired(true);
    const request = await repo.request('alice@company.com', { action: 'deploy', stack: 'user-platform', environment: 'development', version: 'v1.3.0' });
    const handle = await startServiceDeployment(client.client, input('v1.3.0', { request }), taskQueue);
    await waitFor(async () => (await deploymentProgress(handle)).phase === 'awaiting-approval');
    approvalRequired(false);

    const second = startServiceDeployment(client.client, input('v1.3.1', { requestedBy: 'bob@company.com' }), taskQueue);
    await expect(second).rejects.toThrow(ServiceLockedError);
    await expect(second).rejects.toThrow(/alice@company\.com is deploying v1\.3\.0 since .* \(workflow deploy\/user-platform\/development\/notification-service\)/);

    const decide = async (by: string, approve = true) => handle.executeUpdate(approvalUpdate, { args: [await repo.decision(await deploymentProgress(handle), by, approve)] });
    await expect(decide('mallory@company.com')).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(decide('mallory@company.com')).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringContaining('mallory@company.com is not an approver of notification-service; ask one of: alice@company.com, carol@company.com, dave@company.com') }) });
    await expect(decide('alice@company.com')).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringContaining('requested this deployment and cannot approve it too') }) });
    expect((await deploymentProgress(handle)).phase).toBe('awaiting-approval');

    await decide('carol@company.com');
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('succeeded');
    expect(result.release).toMatchObject({ version: 'v1.3.0', approvedBy: { identity: 'carol@company.com', channel: 'cli' }, requesterProof: 'ssh' });
    expect(await served()).toContain('v1.3.0');
  });

  it('a version that fails its health checks ends rolled back, the old version serving throughout', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.4.0-unhealthy'), taskQueue);
    const load = loadUntil(`${(await new LocalObserver().state(api))!.outputs.url}/version`, handle.result());
    const result = await deploymentResult(handle);
    const report = await load;
    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toMatch(/v1\.4\.0-unhealthy replica api-\w+ unhealthy \(\/health -> HTTP 503\)/);
    expect(report.failureSamples).toEqual([]);
    expect(report.versions).toEqual(['v1.3.0']);
    expect((await releases().history('user-platform', 'development', 'notification-service'))[0]).toMatchObject({ version: 'v1.4.0-unhealthy', result: 'rolled_back' });
  });

  it('rolls back by itself when the error rate breaches the threshold during monitoring', async () => {
    const longerWatch = (spec: DesiredStack['environment']['spec']) => (spec.rollout = { ...spec.rollout, monitorWindow: '15s' });
    const handle = await startServiceDeployment(client.client, input('v1.5.0-errors', {}, longerWatch), taskQueue);
    await waitFor(async () => (await deploymentProgress(handle)).phase === 'monitoring');
    const url = `${(await new LocalObserver().state(api))!.outputs.url}/notifications`;
    await loadUntil(url, handle.result(), 2);
    const result = await deploymentResult(handle);
    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toMatch(/monitoring breached: error rate [\d.]+% > 5%/);
    expect(result.progress.monitoring?.breach?.errorRatePercent).toBeGreaterThan(5);
    expect(await served()).toContain('v1.3.0');
  });

  it('rolls back to a named earlier release through the same lock and health gate', async () => {
    const result: DeployServiceResult = await client.client.workflow.execute(ROLLBACK_SERVICE_WORKFLOW, {
      taskQueue,
      workflowId: `rollback/${crypto.randomUUID()}`,
      args: [{ stack: 'user-platform', environment: 'development', service: 'notification-service', requestedBy: 'bob@company.com', toVersion: 'v1.2.0' }],
    });
    expect(result.phase).toBe('succeeded');
    expect(result.release).toMatchObject({ version: 'v1.2.0', result: 'succeeded', deployedBy: 'bob@company.com' });
    expect(await served()).toContain('v1.2.0');
  });

  it('runs the service tests from service.yaml against what is deployed', async () => {
    const results = await client.client.workflow.execute(RUN_TESTS_WORKFLOW, { taskQueue, workflowId: `tests/${crypto.randomUUID()}`, args: [{ stack: 'user-platform', environment: 'development', service: 'notification-service', tests: desired('v1.2.0').services.find((service) => service.name === 'notification-service')!.spec.tests }] });
    expect(results).toEqual([
      expect.objectContaining({ name: 'health', passed: true, detail: 'GET /health -> 200' }),
      expect.objectContaining({ name: 'list-notifications', passed: true, detail: 'GET /notifications -> 200' }),
    ]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
