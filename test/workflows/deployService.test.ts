import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { CancelledFailure, WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import type { DeployerActivities } from '../../activities';
import type { DesiredStack } from '../../src/model/types';
import { approvalUpdate, DEPLOY_SERVICE_WORKFLOW, DeploymentPhase, DeployServiceInput, DeployServiceResult, progressQuery } from '../../src/temporal/deployment';
import { BREACH, componentsOf, decisionOn, exampleStack, goodDayActivities, policyWith, REQUESTER } from '../support/deploymentFixtures';
import { FakeActivities, untilCancelled } from '../support/fakeActivities';
import { recordHistory } from '../support/workflowHistories';
import { timeSkippingWorker } from '../support/timeSkipping';

// deployService's risky branches on the time-skipping test server, every activity faked: each test
// asserts the exact activity calls of its branch, in order, and the release it records.
describe('deployService branches (time-skipping, fake activities)', () => {
  const fake = new FakeActivities();
  const server = timeSkippingWorker(fake.activities);
  const before = exampleStack('v1.0.0');
  const released = componentsOf(before);

  /** The happy path's answers; a test replaces the ones its branch changes. */
  function behave(overrides: Partial<DeployerActivities> = {}, approval = policyWith()): void {
    fake.reset({ ...goodDayActivities(released, approval), ...overrides });
  }

  /** The calls, one line each: engine calls name the component and its image (or kind), notifications their type. */
  function steps(): string[] {
    return fake.calls.map(({ name, input }) => {
      if (name === 'applyComponent' || name === 'removeComponent') {
        const { component } = input as Parameters<DeployerActivities['applyComponent']>[0];
        return `${name} ${component.id}@${(component.spec as { image?: string }).image ?? component.kind}`;
      }
      if (name === 'notify') return `notify ${(input as Parameters<DeployerActivities['notify']>[0]).type}`;
      if (name === 'recordRelease') return `recordRelease ${(input as Parameters<DeployerActivities['recordRelease']>[0]).result}`;
      return name;
    });
  }

  const recorded = () => fake.callsOf('recordRelease');

  function start(desired: DesiredStack = exampleStack('v2.0.0'), input: Partial<DeployServiceInput> = {}): Promise<WorkflowHandle> {
    return server.env.client.workflow.start(DEPLOY_SERVICE_WORKFLOW, {
      taskQueue: server.taskQueue,
      workflowId: `deploy/user-platform/development/user-service/${crypto.randomUUID()}`,
      args: [{ desired, service: 'user-service', requestedBy: REQUESTER, version: 'v2.0.0', kind: 'deploy', ...input } satisfies DeployServiceInput],
    });
  }

  async function reachPhase(handle: WorkflowHandle, phase: DeploymentPhase): Promise<void> {
    for (let tries = 0; tries < 200; tries++) {
      if ((await handle.query(progressQuery).catch(() => undefined))?.phase === phase) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the deployment never reached ${phase}`);
  }

  async function cancelled(handle: WorkflowHandle): Promise<void> {
    await handle.cancel();
    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  }

  const deployed = ['applyComponent user-service/database@RDS', 'awaitHealthy', 'applyComponent user-service/api@user-api:v2.0.0', 'awaitHealthy'];
  const rolledBack = ['applyComponent user-service/api@user-api:v1.0.0', 'applyComponent user-service/database@RDS'];

  it('succeeds: waves in dependency order, each health-gated, then monitoring, the record and the drift schedule', async () => {
    behave();
    const handle = await start();
    const result = (await handle.result()) as DeployServiceResult;

    expect(result.phase).toBe('succeeded');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed, 'monitorRelease', 'notify succeeded', 'recordRelease succeeded', 'ensureDriftSchedule']);
    expect(recorded()[0]).toMatchObject({ version: 'v2.0.0', deployedBy: REQUESTER, components: componentsOf(exampleStack('v2.0.0')) });
    expect(recorded()[0]!.approval).toBeUndefined();
    await recordHistory('deployService-succeeded', handle);
  });

  it('names each component\'s wave, so a worker applies a wave in one engine run', async () => {
    behave();
    // A second database beside the first: wave 1 then has two components.
    const desired = exampleStack('v2.0.0');
    const service = desired.services[0]!;
    const database = service.components.find((component) => component.id === 'user-service/database')!;
    service.components.push({ ...database, id: 'user-service/archive', name: 'archive' });
    const result = (await (await start(desired)).result()) as DeployServiceResult;

    expect(result.phase).toBe('succeeded');
    const tasks = fake.callsOf('applyComponent') as Parameters<DeployerActivities['applyComponent']>[0][];
    const waveOf = (id: string) => tasks.find((task) => task.component.id === id)?.wave;
    expect([...waveOf('user-service/database')!].sort()).toEqual(['user-service/archive', 'user-service/database']);
    expect([...waveOf('user-service/archive')!].sort()).toEqual(['user-service/archive', 'user-service/database']);
    expect(waveOf('user-service/api')).toEqual(['user-service/api']);
  });

  it('approval times out after its timeout (24 h, skipped): nothing deployed, recorded as cancelled', async () => {
    behave({}, policyWith({ required: true, timeout: '24h' }));
    const startedAt = await server.env.currentTimeMs();
    const wallClock = Date.now();
    const handle = await start();
    const result = (await handle.result()) as DeployServiceResult;

    expect(result.phase).toBe('timed-out');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', 'notify awaiting-approval', 'notify timed-out', 'recordRelease cancelled']);
    expect(recorded()[0]).toMatchObject({ result: 'cancelled', reason: 'approval timed out after 24h', components: released, approval: { requestedAt: expect.any(String), decidedAt: expect.any(String) } });
    const waited = Date.parse(recorded()[0]!.approval!.decidedAt) - Date.parse(recorded()[0]!.approval!.requestedAt);
    expect(waited).toBeGreaterThanOrEqual(24 * 3600_000);
    expect((await server.env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(Date.now() - wallClock).toBeLessThan(20_000);
    await recordHistory('deployService-approval-timed-out', handle);
  });

  it('an approval a second before the timeout wins the race: the deployment goes ahead', async () => {
    behave({}, policyWith({ required: true, timeout: '24h' }));
    const handle = await start();
    await reachPhase(handle, 'awaiting-approval');
    await server.env.sleep(24 * 3600_000 - 1000);
    await handle.executeUpdate(approvalUpdate, { args: [decisionOn({ workflowId: handle.workflowId, runId: (await handle.describe()).runId }, true, await server.env.currentTimeMs())] });
    const result = (await handle.result()) as DeployServiceResult;

    expect(result.phase).toBe('succeeded');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', 'notify awaiting-approval', 'verifyDecision', ...deployed, 'monitorRelease', 'notify succeeded', 'recordRelease succeeded', 'ensureDriftSchedule']);
    expect(recorded()[0]).toMatchObject({ approvedBy: { identity: 'bob@company.com', channel: 'cli' } });
    await recordHistory('deployService-approved', handle);
  });

  it('a decision that arrives after the timeout is refused: the deployment has timed out', async () => {
    behave({}, policyWith({ required: true, timeout: '1h' }));
    const handle = await start();
    await reachPhase(handle, 'awaiting-approval');
    await server.env.sleep(3600_000 + 1000);
    await reachPhase(handle, 'timed-out');
    const refused = await handle.executeUpdate(approvalUpdate, { args: [decisionOn({ workflowId: handle.workflowId, runId: (await handle.describe()).runId }, true, await server.env.currentTimeMs())] }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(Error);
    expect(((await handle.result()) as DeployServiceResult).phase).toBe('timed-out');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', 'notify awaiting-approval', 'notify timed-out', 'recordRelease cancelled']);
  });

  it('a rejection ends it: nothing deployed, recorded as rejected with the comment', async () => {
    behave({}, policyWith({ required: true }));
    const handle = await start();
    await reachPhase(handle, 'awaiting-approval');
    await handle.executeUpdate(approvalUpdate, { args: [decisionOn({ workflowId: handle.workflowId, runId: (await handle.describe()).runId }, false, await server.env.currentTimeMs(), 'not during the freeze')] });
    const result = (await handle.result()) as DeployServiceResult;

    expect(result.phase).toBe('rejected');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', 'notify awaiting-approval', 'verifyDecision', 'notify rejected', 'recordRelease rejected']);
    expect(recorded()[0]).toMatchObject({ result: 'rejected', reason: 'rejected by bob@company.com: not during the freeze', components: released });
    expect(recorded()[0]!.approvedBy).toBeUndefined();
  });

  it('a monitoring breach rolls back automatically, newest change first, to the last good release', async () => {
    behave({ monitorRelease: async () => BREACH });
    const handle = await start();
    const result = (await handle.result()) as DeployServiceResult;

    expect(result.phase).toBe('rolled-back');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed, 'monitorRelease', ...rolledBack, 'notify rolled-back', 'recordRelease rolled_back']);
    expect(recorded()[0]).toMatchObject({ result: 'rolled_back', reason: 'monitoring breached: error rate 33% > 5%', components: released });
    expect(fake.callsOf('notify').at(-1)!.details?.trigger).toEqual({ reason: 'monitoring breached: error rate 33% > 5%', breach: { errorRatePercent: 33, p99LatencyMs: 120, unhealthy: [], thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 } } });
    await recordHistory('deployService-breach-rolled-back', handle);
  });

  it('with automatic rollback off, a breach fails the deployment and leaves the new release running', async () => {
    behave({ monitorRelease: async () => BREACH });
    const desired = exampleStack('v2.0.0');
    desired.environment.spec.rollback.automatic = false;
    const result = (await (await start(desired)).result()) as DeployServiceResult;

    expect(result.phase).toBe('failed');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed, 'monitorRelease', 'notify failed', 'recordRelease failed']);
    expect(recorded()[0]).toMatchObject({ result: 'failed', reason: 'monitoring breached: error rate 33% > 5%', components: componentsOf(desired) });
  });

  it('a failed wave rolls back what it applied; later waves never run', async () => {
    behave({
      applyComponent: async ({ component }) => {
        // A target's errors name their component already: the reason names it once.
        if ((component.spec as { image?: string }).image === 'user-api:v2.0.0') throw ApplicationFailure.nonRetryable('user-service/api: container exited with 1');
        return { durationMs: 1, changes: {} };
      },
    });
    const result = (await (await start()).result()) as DeployServiceResult;

    expect(result.phase).toBe('rolled-back');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed.slice(0, 3), ...rolledBack, 'notify rolled-back', 'recordRelease rolled_back']);
    expect(recorded()[0]).toMatchObject({ result: 'rolled_back', reason: 'wave 2 failed: user-service/api: container exited with 1', components: released });
  });

  it('a rollback that fails itself: recorded as failed, with what was touched and both reasons', async () => {
    behave({
      monitorRelease: async () => BREACH,
      applyComponent: async ({ component }) => {
        if ((component.spec as { image?: string }).image === 'user-api:v1.0.0') throw ApplicationFailure.nonRetryable('image user-api:v1.0.0 is gone');
        return { durationMs: 1, changes: {} };
      },
    });
    const result = (await (await start()).result()) as DeployServiceResult;

    expect(result.phase).toBe('failed');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed, 'monitorRelease', rolledBack[0], 'notify failed', 'recordRelease failed']);
    expect(recorded()[0]).toMatchObject({
      result: 'failed',
      reason: 'monitoring breached: error rate 33% > 5%; rollback failed too: image user-api:v1.0.0 is gone',
      touched: ['user-service/database', 'user-service/api'],
      components: componentsOf(exampleStack('v2.0.0')),
    });
  });

  it('cancelled while waiting for approval: nothing deployed, recorded as cancelled', async () => {
    behave({}, policyWith({ required: true }));
    const handle = await start();
    await reachPhase(handle, 'awaiting-approval');
    await cancelled(handle);

    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', 'notify awaiting-approval', 'notify cancelled', 'recordRelease cancelled']);
    expect(recorded()[0]).toMatchObject({ result: 'cancelled', reason: 'cancelled', touched: [], components: released });
    await recordHistory('deployService-cancelled-awaiting-approval', handle);
  });

  it('cancelled mid-wave: the running apply is stopped, no rollback, recorded as cancelled with what was touched', async () => {
    const api = untilCancelled();
    behave({ applyComponent: async (task) => ((task.component.spec as { image?: string }).image === 'user-api:v2.0.0' ? api.activity() : { durationMs: 1, changes: {} }) });
    const handle = await start();
    await api.started;
    await cancelled(handle);

    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed.slice(0, 3), 'notify cancelled', 'recordRelease cancelled']);
    expect(recorded()[0]).toMatchObject({ result: 'cancelled', touched: ['user-service/database', 'user-service/api'], components: released });
    await recordHistory('deployService-cancelled-mid-wave', handle);
  });

  it('cancelled while monitoring: the monitor is stopped, no rollback, recorded as cancelled', async () => {
    const monitor = untilCancelled();
    behave({ monitorRelease: monitor.activity });
    const handle = await start();
    await monitor.started;
    await cancelled(handle);

    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed, 'monitorRelease', 'notify cancelled', 'recordRelease cancelled']);
    expect(recorded()[0]).toMatchObject({ result: 'cancelled', touched: ['user-service/database', 'user-service/api'], components: released });
  });

  it('cancelled while rolling back: the rollback apply is stopped, recorded as cancelled with what was touched', async () => {
    const rollback = untilCancelled();
    behave({
      monitorRelease: async () => BREACH,
      applyComponent: async (task) => ((task.component.spec as { image?: string }).image === 'user-api:v1.0.0' ? rollback.activity() : { durationMs: 1, changes: {} }),
    });
    const handle = await start();
    await rollback.started;
    await cancelled(handle);

    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed, 'monitorRelease', rolledBack[0], 'notify cancelled', 'recordRelease cancelled']);
    // Half rolled back: what serves is known to the next plan only through what this run touched.
    expect(recorded()[0]).toMatchObject({ result: 'cancelled', reason: expect.stringMatching(/^cancelled while rolling back: monitoring breached/), touched: ['user-service/database', 'user-service/api'], components: released });
  });

  it('a drift schedule that cannot be kept (after its retries) leaves the deployment succeeded', async () => {
    behave({
      ensureDriftSchedule: async () => {
        throw new Error('schedules are unavailable');
      },
    });
    const result = (await (await start()).result()) as DeployServiceResult;

    expect(result.phase).toBe('succeeded');
    expect(steps()).toEqual(['reviewRequest', 'planService', 'notify started', ...deployed, 'monitorRelease', 'notify succeeded', 'recordRelease succeeded', ...Array(5).fill('ensureDriftSchedule')]);
  });
});
