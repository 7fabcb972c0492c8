import crypto from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { DeployerActivities } from '../../activities';
import type { CanarySettings } from '../../src/model/schema';
import type { DesiredStack } from '../../src/model/types';
import type { CanaryVerdict } from '../../src/releases/canary';
import { requestFigures } from '../../src/targets/local/api';
import { canaryDecisionUpdate, DEPLOY_SERVICE_WORKFLOW, DeployServiceInput, DeployServiceResult, progressQuery } from '../../src/temporal/deployment';
import { APPROVER, componentsOf, decisionOn, exampleStack, goodDayActivities, policyWith, REQUESTER } from '../support/deploymentFixtures';
import { FakeActivities, untilCancelled } from '../support/fakeActivities';
import { timeSkippingWorker } from '../support/timeSkipping';

// deployService's canary branches on the time-skipping test server, every activity faked: the steps
// a canary takes, what ends it (analysis, too little traffic, a person, a timeout), and what the
// deployment then does and records.
describe('canary rollouts (time-skipping, fake activities)', () => {
  const fake = new FakeActivities();
  const server = timeSkippingWorker(fake.activities);
  const released = componentsOf(exampleStack('v1.0.0'));

  const figures = (total: number, errors: number) => ({ requests: requestFigures(total, errors), latencyMs: { p50: 5, p95: 9, p99: 10, max: 12 } });
  const PASS: CanaryVerdict = { outcome: 'pass', reason: 'error rate 0% vs stable 0%', stable: figures(400, 0), canary: figures(40, 0) };
  const FAIL: CanaryVerdict = { outcome: 'fail', reason: 'error rate 33.33% vs stable 0% (+33.33 points > 1)', stable: figures(400, 0), canary: figures(30, 10) };
  const QUIET: CanaryVerdict = { outcome: 'insufficient-traffic', reason: 'the new version answered 3 requests, fewer than the 20 its analysis needs', stable: figures(40, 0), canary: figures(3, 0) };

  /** The example at v2.0.0 with user-service's api rolled out as a canary of `steps`. */
  function canaryStack(steps: CanarySettings['steps'], insufficientTraffic: 'wait' | 'fail' = 'wait'): DesiredStack {
    const model = exampleStack('v2.0.0');
    model.environment.spec.rollout = { ...model.environment.spec.rollout, strategy: 'canary', canary: { steps, analysis: { maxErrorRateIncrease: 1, maxP99LatencyIncreasePercent: 50, minRequests: 20, insufficientTraffic } } };
    return model;
  }

  function start(desired: DesiredStack, kind: DeployServiceInput['kind'] = 'deploy'): Promise<WorkflowHandle> {
    return server.env.client.workflow.start(DEPLOY_SERVICE_WORKFLOW, {
      taskQueue: server.taskQueue,
      workflowId: `deploy/user-platform/development/user-service/${crypto.randomUUID()}`,
      args: [{ desired, service: 'user-service', requestedBy: REQUESTER, version: 'v2.0.0', kind } satisfies DeployServiceInput],
    });
  }

  /** The engine and canary calls, one line each: which component, which image, at which weight. */
  function steps(): string[] {
    return fake.calls.flatMap(({ name, input }) => {
      if (name === 'applyComponent') {
        const task = input as Parameters<DeployerActivities['applyComponent']>[0];
        const image = task.component.kind === 'MicroService' ? task.component.spec.image : task.component.kind;
        const stable = task.canary?.stable.kind === 'MicroService' ? task.canary.stable.spec.image : '';
        return [`apply ${task.component.id}@${image}${task.canary ? ` canary ${task.canary.weight}% beside ${stable}` : ''}`];
      }
      if (name === 'watchCanary') return [`watch ${(input as Parameters<DeployerActivities['watchCanary']>[0]).stepMs / 1000}s`];
      if (name === 'notify') return [`notify ${(input as Parameters<DeployerActivities['notify']>[0]).type}`];
      if (name === 'recordRelease') return [`record ${(input as Parameters<DeployerActivities['recordRelease']>[0]).result}`];
      return [];
    });
  }

  async function waitingManual(handle: WorkflowHandle): Promise<{ workflowId: string; runId: string }> {
    for (let tries = 0; tries < 200; tries++) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress?.canaries?.[0]?.steps.at(-1)?.waiting?.manual) return { workflowId: progress.workflowId, runId: progress.approval.runId! };
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the canary never waited for a promotion');
  }

  /** A decision on the canary at step 1, issued at the test server's (skipped) time. */
  async function onCanary(run: { workflowId: string; runId: string }, approve: boolean, by = APPROVER) {
    const decision = decisionOn(run, approve, await server.env.currentTimeMs());
    return { ...decision, claims: { ...decision.claims, by, canaryComponent: 'user-service/api', canaryStep: 1, nonce: crypto.randomUUID() } };
  }

  const database = 'apply user-service/database@RDS';

  it('a good version goes through each step beside the stable one, then takes every request, and the record keeps the steps', async () => {
    fake.reset({ ...goodDayActivities(released), watchCanary: async () => PASS });
    const result = (await (await start(canaryStack([{ weight: 10, pause: '2m' }, { weight: 50, pause: '1m' }]))).result()) as DeployServiceResult;

    expect(result.phase).toBe('succeeded');
    expect(steps()).toEqual([
      'notify started',
      database,
      'apply user-service/api@user-api:v2.0.0 canary 10% beside user-api:v1.0.0',
      'watch 120s',
      'notify canary',
      'apply user-service/api@user-api:v2.0.0 canary 50% beside user-api:v1.0.0',
      'watch 60s',
      'notify canary',
      'apply user-service/api@user-api:v2.0.0',
      'notify succeeded',
      'record succeeded',
    ]);
    // A canary's applies run alone: the rest of its wave does not wait for its steps.
    const tasks = fake.callsOf('applyComponent') as Parameters<DeployerActivities['applyComponent']>[0][];
    expect(tasks.filter((task) => task.component.id === 'user-service/api').map((task) => task.wave)).toEqual([undefined, undefined, undefined]);
    const [record] = fake.callsOf('recordRelease');
    expect(record!.canaries).toEqual([
      expect.objectContaining({ component: 'user-service/api', stableVersion: 'v1.0.0', canaryVersion: 'v2.0.0', state: 'promoted', steps: [expect.objectContaining({ step: 1, weight: 10, outcome: 'passed', figures: { stable: PASS.stable, canary: PASS.canary } }), expect.objectContaining({ step: 2, weight: 50, outcome: 'passed' })] }),
    ]);
  });

  it('a failed analysis sends every request back to the stable version and rolls the deployment back, saying why with the figures', async () => {
    fake.reset({ ...goodDayActivities(released), watchCanary: async () => FAIL });
    const result = (await (await start(canaryStack([{ weight: 5, pause: '2m' }, { weight: 50, pause: '2m' }]))).result()) as DeployServiceResult;

    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toContain('canary v2.0.0 of user-service/api, step 1 (5% of requests): analysis failed: error rate 33.33% vs stable 0% (+33.33 points > 1)');
    expect(steps()).toEqual([
      'notify started',
      database,
      'apply user-service/api@user-api:v2.0.0 canary 5% beside user-api:v1.0.0',
      'watch 120s',
      // The rollback: the last good release, whole, newest change first.
      'apply user-service/api@user-api:v1.0.0',
      database,
      'notify rolled-back',
      'record rolled_back',
    ]);
    expect(fake.callsOf('recordRelease')[0]!.canaries?.[0]).toMatchObject({ state: 'failed', steps: [{ step: 1, outcome: 'failed', figures: { canary: FAIL.canary } }] });
  });

  it('too little traffic runs the step again, at most three times with `wait`; with `fail` it fails at once', async () => {
    const verdicts = [QUIET, QUIET, PASS];
    fake.reset({ ...goodDayActivities(released), watchCanary: async () => verdicts.shift()! });
    expect(((await (await start(canaryStack([{ weight: 10, pause: '1m' }]))).result()) as DeployServiceResult).phase).toBe('succeeded');
    expect(fake.callsOf('watchCanary')).toHaveLength(3);

    fake.reset({ ...goodDayActivities(released), watchCanary: async () => QUIET });
    const waited = (await (await start(canaryStack([{ weight: 10, pause: '1m' }]))).result()) as DeployServiceResult;
    expect(waited.phase).toBe('rolled-back');
    expect(waited.reason).toContain('too little traffic to judge: the new version answered 3 requests, fewer than the 20 its analysis needs');
    expect(fake.callsOf('watchCanary')).toHaveLength(3);

    fake.reset({ ...goodDayActivities(released), watchCanary: async () => QUIET });
    expect(((await (await start(canaryStack([{ weight: 10, pause: '1m' }], 'fail'))).result()) as DeployServiceResult).phase).toBe('rolled-back');
    expect(fake.callsOf('watchCanary')).toHaveLength(1);
  });

  it('a manual step waits for an approver\'s promotion; the requester cannot promote their own, approver or not', async () => {
    fake.reset({ ...goodDayActivities(released, { ...policyWith(), approvers: [APPROVER, REQUESTER] }), watchCanary: async () => PASS });
    const handle = await start(canaryStack([{ weight: 20, pause: 'manual' }]));
    const run = await waitingManual(handle);

    const own = handle.executeUpdate(canaryDecisionUpdate, { args: [await onCanary(run, true, REQUESTER)] });
    await expect(own).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(own).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringContaining('requested this deployment and cannot approve it too') }) });
    await handle.executeUpdate(canaryDecisionUpdate, { args: [await onCanary(run, true)] });

    const result = (await handle.result()) as DeployServiceResult;
    expect(result.phase).toBe('succeeded');
    expect(result.progress.canaries?.[0]?.steps[0]).toMatchObject({ outcome: 'promoted', by: APPROVER });
    expect(steps()).toContain('apply user-service/api@user-api:v2.0.0');
  });

  it('a promotion sent again is refused: at the next manual step, and with its step rewritten', async () => {
    fake.reset({ ...goodDayActivities(released), watchCanary: async () => PASS });
    const handle = await start(canaryStack([{ weight: 20, pause: 'manual' }, { weight: 50, pause: 'manual' }]));
    const run = await waitingManual(handle);
    const first = await onCanary(run, true);
    await handle.executeUpdate(canaryDecisionUpdate, { args: [first] });
    // waitingManual returns once the newest step waits: step 2, once step 1 was promoted.
    for (let tries = 0; tries < 200 && (await handle.query(progressQuery)).canaries?.[0]?.steps.length !== 2; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
    await waitingManual(handle);

    // The same decision again, as captured from the history or the wire: it names step 1.
    await expect(handle.executeUpdate(canaryDecisionUpdate, { args: [first] })).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/step 1/) }) });
    // Its claims edited to name step 2 keep its nonce: a replay.
    await expect(handle.executeUpdate(canaryDecisionUpdate, { args: [{ ...first, claims: { ...first.claims, canaryStep: 2 } }] })).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringContaining('a replay') }) });
    const progress = await handle.query(progressQuery);
    expect(progress.canaries?.[0]?.steps[1]).toMatchObject({ step: 2, waiting: { manual: true } });

    const second = await onCanary(run, true);
    await handle.executeUpdate(canaryDecisionUpdate, { args: [{ ...second, claims: { ...second.claims, canaryStep: 2 } }] });
    expect(((await handle.result()) as DeployServiceResult).phase).toBe('succeeded');
  });

  it('nobody promoting within the approval timeout (24 h, skipped) fails the canary and rolls back', async () => {
    fake.reset({ ...goodDayActivities(released), watchCanary: async () => PASS });
    const result = (await (await start(canaryStack([{ weight: 20, pause: 'manual' }]))).result()) as DeployServiceResult;
    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toContain('step 1 (20% of requests): nobody promoted it within 24h');
  });

  it('an abort during a step stops its watch at once, and the requester may abort their own canary', async () => {
    const watch = untilCancelled();
    fake.reset({ ...goodDayActivities(released), watchCanary: watch.activity });
    const handle = await start(canaryStack([{ weight: 5, pause: '30m' }]));
    await watch.started;
    const progress = await handle.query(progressQuery);
    await handle.executeUpdate(canaryDecisionUpdate, { args: [await onCanary({ workflowId: progress.workflowId, runId: progress.approval.runId! }, false, REQUESTER)] });

    const result = (await handle.result()) as DeployServiceResult;
    expect(result.phase).toBe('rolled-back');
    expect(result.reason).toContain(`step 1 (5% of requests): aborted by ${REQUESTER}`);
    expect(result.progress.canaries?.[0]).toMatchObject({ state: 'aborted', steps: [{ outcome: 'aborted', by: REQUESTER }] });
  });

  it('a rollback puts the last good release back whole, without a canary', async () => {
    fake.reset({ ...goodDayActivities(released) });
    const result = (await (await start(canaryStack([{ weight: 5, pause: '30m' }]), 'rollback')).result()) as DeployServiceResult;
    expect(result.phase).toBe('succeeded');
    expect(steps()).toContain('apply user-service/api@user-api:v2.0.0');
    expect(fake.callsOf('watchCanary')).toEqual([]);
  });
});
