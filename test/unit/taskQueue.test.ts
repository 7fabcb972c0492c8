import type { Client } from '@temporalio/client';
import type { RunTestsInput } from '../../src/temporal/deployment';
import type { DeployRequest } from '../../cli/deployInputs';
import { forceUnlock } from '../../cli/locks';
import type { HeldLock } from '../../cli/render/locks';
import { startRollback } from '../../cli/rollback';
import { runTestsWorkflow } from '../../cli/serviceTests';
import { startStackDeployment } from '../../cli/stackDeployment';
import { startServiceDeployment } from '../../src/temporal/deployClient';
import type { DeployServiceInput } from '../../src/temporal/deployment';
import { deployerTaskQueue } from '../../src/temporal/taskQueue';

describe('deployerTaskQueue', () => {
  it('is DEPLOYER_TASK_QUEUE when set, else deployer', () => {
    expect(deployerTaskQueue({ DEPLOYER_TASK_QUEUE: 'mine' })).toBe('mine');
    expect(deployerTaskQueue({})).toBe('deployer');
    expect(deployerTaskQueue({ DEPLOYER_TASK_QUEUE: '' })).toBe('deployer');
  });
});

describe('every workflow the CLI starts goes to the queue the worker polls (DEPLOYER_TASK_QUEUE)', () => {
  const saved = process.env.DEPLOYER_TASK_QUEUE;
  beforeEach(() => (process.env.DEPLOYER_TASK_QUEUE = 'worker-queue'));
  afterEach(() => (saved === undefined ? delete process.env.DEPLOYER_TASK_QUEUE : (process.env.DEPLOYER_TASK_QUEUE = saved)));

  /** A client that records which workflow was started on which queue; every workflow "finishes" at once. */
  function recordingClient(): { client: Client; started: Array<[string, string]> } {
    const started: Array<[string, string]> = [];
    const client = {
      workflow: {
        start: async (workflowType: string, options: { workflowId: string; taskQueue: string }) => {
          started.push([workflowType, options.taskQueue]);
          return { workflowId: options.workflowId, result: async () => [] };
        },
        getHandle: () => ({ terminate: async () => undefined }),
      },
      workflowService: { describeTaskQueue: async () => ({ pollers: [{ identity: 'worker' }] }) },
    } as unknown as Client;
    return { client, started };
  }

  const desired = { stack: 'user-platform', environment: { name: 'production', spec: { approval: { required: false } } }, services: [] } as unknown as DeployServiceInput['desired'];
  const where = { stack: 'user-platform', environment: 'production', service: 'notification-service' };

  it('apply (a service and a whole stack), rollback, test and the forced-unlock record', async () => {
    const { client, started } = recordingClient();
    await startServiceDeployment(client, { desired, service: 'notification-service', requestedBy: 'alice@company.com', version: 'v1.2.0', kind: 'deploy' });
    await startStackDeployment(client, { desired, requestedBy: 'alice@company.com', version: 'v1.2.0' } as unknown as DeployRequest);
    await startRollback(client, { ...where, requestedBy: 'alice@company.com' });
    await runTestsWorkflow(client, { ...where, tests: [] } as unknown as RunTestsInput, { namespace: 'default' });
    const lock = { ...where, since: '2026-01-15T12:00:00Z', phase: 'deploying', phaseSource: 'progress', workflowId: 'deploy/user-platform/production/notification-service', runId: 'r' } as HeldLock;
    await forceUnlock(client, [lock], { by: 'carol@company.com', reason: 'stuck' });
    expect(started).toEqual([
      ['deployService', 'worker-queue'],
      ['deployStack', 'worker-queue'],
      ['rollbackService', 'worker-queue'],
      ['runTests', 'worker-queue'],
      ['recordForcedUnlock', 'worker-queue'],
    ]);
  });
});
