import crypto from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { DeployerActivities } from '../../activities';
import type { DeploymentPlan } from '../../src/plan/buildPlan';
import {
  DECOMMISSION_SERVICE_WORKFLOW,
  DecommissionServiceInput,
  DEPLOY_SERVICE_WORKFLOW,
  DEPLOY_STACK_WORKFLOW,
  DeployServiceInput,
  DeployServiceResult,
  DeployStackInput,
  DeployStackResult,
  deployServiceWorkflowId,
  progressQuery,
  ROLLBACK_SERVICE_WORKFLOW,
  RollbackServiceInput,
} from '../../src/temporal/deployment';
import { BREACH, componentsOf, ENVIRONMENT, exampleStack, goodDayActivities, planFor, policyWith, releaseOf, REQUESTER, reviewed, STACK } from '../support/deploymentFixtures';
import { FakeActivities } from '../support/fakeActivities';
import { recordHistory } from '../support/workflowHistories';
import { timeSkippingWorker } from '../support/timeSkipping';

// The workflows that deploy services through deployService children (a whole stack, a rollback, a
// decommission) on the time-skipping test server, every activity faked.
describe('stack, rollback and decommission workflows (time-skipping, fake activities)', () => {
  const fake = new FakeActivities();
  const server = timeSkippingWorker(fake.activities);
  const services = ['user-service', 'notification-service'];
  const v1 = exampleStack('v1.0.0', services);
  const v2 = exampleStack('v2.0.0', services);

  function behave(overrides: Partial<DeployerActivities> = {}): void {
    fake.reset({
      ...goodDayActivities([]),
      deployedServices: async () => services,
      planService: async ({ desired, service }) => planFor(desired, componentsOf(v1, service), service),
      ensureDriftSchedule: async () => ({ scheduleId: 'drift/user-platform/development', created: false }),
      ...overrides,
    });
  }

  /** Engine calls and records, one line each, naming the component and its image (or kind). */
  function engineSteps(): string[] {
    return fake.calls.flatMap(({ name, input }) => {
      if (name === 'applyComponent' || name === 'removeComponent') {
        const { component } = input as Parameters<DeployerActivities['applyComponent']>[0];
        return [`${name} ${component.id}@${(component.spec as { image?: string }).image ?? component.kind}`];
      }
      if (name === 'recordRelease') {
        const record = input as Parameters<DeployerActivities['recordRelease']>[0];
        return [`recordRelease ${record.service} ${record.kind} ${record.result}`];
      }
      return [];
    });
  }

  const run = <R>(workflow: string, input: unknown): Promise<R> => server.env.client.workflow.execute(workflow, { taskQueue: server.taskQueue, workflowId: `${workflow}/${crypto.randomUUID()}`, args: [input] }) as Promise<R>;
  const stackInput: DeployStackInput = { desired: v2, requestedBy: REQUESTER, version: 'v2.0.0' };

  it('a stack deploys the service others depend on first, each through its own deployService', async () => {
    behave();
    const handle = await server.env.client.workflow.start(DEPLOY_STACK_WORKFLOW, { taskQueue: server.taskQueue, workflowId: `deploy-stack/${crypto.randomUUID()}`, args: [stackInput] });
    const result = (await handle.result()) as DeployStackResult;

    expect(result).toEqual({ phase: 'succeeded', services: [{ service: 'user-service', phase: 'succeeded' }, { service: 'notification-service', phase: 'succeeded' }] });
    expect(fake.callsOf('planService').map((input) => input.service)).toEqual(services);
    const steps = engineSteps();
    expect(steps.indexOf('recordRelease user-service deploy succeeded')).toBeLessThan(steps.findIndex((step) => step.includes('notification-service/')));
    expect(steps.filter((step) => step.startsWith('recordRelease'))).toEqual(['recordRelease user-service deploy succeeded', 'recordRelease notification-service deploy succeeded']);
    await recordHistory('deployStack-succeeded', handle);
  });

  it('a service that fails stops the services after it; the stack reports it failed', async () => {
    behave({ monitorRelease: async ({ refs }) => (refs[0]!.service === 'user-service' ? BREACH : undefined) });
    const result = await run<DeployStackResult>(DEPLOY_STACK_WORKFLOW, stackInput);

    expect(result).toEqual({ phase: 'failed', services: [{ service: 'user-service', phase: 'rolled-back', reason: 'monitoring breached: error rate 33% > 5%' }] });
    expect(fake.callsOf('planService').map((input) => input.service)).toEqual(['user-service']);
    expect(engineSteps().at(-1)).toBe('recordRelease user-service deploy rolled_back');
  });

  it('a stack apply refuses, deploying nothing, while a service deployed here is gone from the repo', async () => {
    behave({ deployedServices: async () => [...services, 'legacy-service'] });
    const result = await run<DeployStackResult>(DEPLOY_STACK_WORKFLOW, stackInput);

    expect(result).toEqual({ services: [], phase: 'failed', reason: expect.stringContaining('legacy-service runs in development but is no longer in the repo') });
    expect(fake.calls.map((call) => call.name)).toEqual(['deployedServices']);
  });

  it('a service whose deployment is running is reported locked, and the stack stops there', async () => {
    behave({ reviewRequest: async () => reviewed(policyWith({ required: true })) });
    const holder = await server.env.client.workflow.start(DEPLOY_SERVICE_WORKFLOW, {
      taskQueue: server.taskQueue,
      workflowId: deployServiceWorkflowId(STACK, ENVIRONMENT, 'user-service'),
      args: [{ desired: exampleStack('v3.0.0'), service: 'user-service', requestedBy: REQUESTER, version: 'v3.0.0', kind: 'deploy' } satisfies DeployServiceInput],
    });
    // Waiting for approval, and its approvers told: only the stack's own calls are logged after behave().
    const waitsForApproval = async () => (await holder.query(progressQuery)).phase === 'awaiting-approval' && fake.calls.some((call) => call.name === 'notify');
    for (let tries = 0; !(await waitsForApproval()); tries++) {
      if (tries > 200) throw new Error('the holder never waited for approval');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    behave();
    // Awaited without skipping time: skipping would run the holder's approval into its timeout.
    const result = (await new Client({ connection: server.env.connection }).workflow.execute(DEPLOY_STACK_WORKFLOW, { taskQueue: server.taskQueue, workflowId: `deploy-stack/${crypto.randomUUID()}`, args: [stackInput] })) as DeployStackResult;
    const stackCalls = fake.calls.map((call) => call.name);
    await holder.cancel();
    // The lock is free again only once the holder has recorded its cancellation.
    await expect(holder.result()).rejects.toBeInstanceOf(WorkflowFailedError);

    expect(result).toEqual({ phase: 'failed', services: [{ service: 'user-service', phase: 'locked', reason: 'another deployment of user-service is running (deploy/user-platform/development/user-service)' }] });
    expect(stackCalls).toEqual(['deployedServices']);
  });

  it('a rollback redeploys the target release through deployService; a breach then fails it rather than rolling back again', async () => {
    const target = releaseOf(v1, 'v1.0.0');
    const input: RollbackServiceInput = { stack: STACK, environment: ENVIRONMENT, service: 'user-service', requestedBy: REQUESTER, reason: 'errors after v2' };
    // What runs now is v2: the rollback's plan changes it back to the target's components.
    behave({ findRollbackTarget: async () => target, planService: async ({ desired }) => planFor(desired, componentsOf(v2)) });
    const handle = await server.env.client.workflow.start(ROLLBACK_SERVICE_WORKFLOW, { taskQueue: server.taskQueue, workflowId: `rollback/${crypto.randomUUID()}`, args: [input] });
    const rolledBack = (await handle.result()) as DeployServiceResult;

    expect(rolledBack.phase).toBe('succeeded');
    expect(fake.callsOf('findRollbackTarget')).toEqual([input]);
    expect(fake.callsOf('reviewRequest')[0]).toMatchObject({ kind: 'rollback', version: 'v1.0.0' });
    expect(engineSteps()).toEqual(['applyComponent user-service/database@RDS', 'applyComponent user-service/api@user-api:v1.0.0', 'recordRelease user-service rollback succeeded']);
    await recordHistory('rollbackService-succeeded', handle);

    behave({ findRollbackTarget: async () => target, planService: async ({ desired }) => planFor(desired, componentsOf(v2)), monitorRelease: async () => BREACH });
    const breached = await run<DeployServiceResult>(ROLLBACK_SERVICE_WORKFLOW, input);

    expect(breached).toMatchObject({ phase: 'failed', reason: 'monitoring breached: error rate 33% > 5%' });
    expect(engineSteps()).toEqual(['applyComponent user-service/database@RDS', 'applyComponent user-service/api@user-api:v1.0.0', 'recordRelease user-service rollback failed']);
  });

  it('decommission removes every component of the last release and records that nothing runs; with nothing released it refuses', async () => {
    const last = releaseOf(v1, 'v1.0.0');
    const input: DecommissionServiceInput = { stack: STACK, environment: ENVIRONMENT, service: 'user-service', requestedBy: REQUESTER, reason: 'replaced' };
    const removals = (): DeploymentPlan => {
      const plan = planFor(v1, last.components).plan;
      return { ...plan, deletions: last.components.map((component) => ({ id: component.id, kind: component.kind, action: 'delete', classes: [], fields: [] })), waves: [] };
    };
    behave({ lastRelease: async () => last, planService: async () => ({ plan: removals(), planHash: 'removals', released: last.components }) });
    const result = await run<DeployServiceResult>(DECOMMISSION_SERVICE_WORKFLOW, input);

    expect(result.phase).toBe('succeeded');
    expect(engineSteps()).toEqual(['removeComponent user-service/api@user-api:v1.0.0', 'removeComponent user-service/database@RDS', 'recordRelease user-service decommission succeeded']);
    expect(fake.callsOf('recordRelease')[0]!.components).toEqual([]);

    behave({ lastRelease: async () => null });
    const refused = await run(DECOMMISSION_SERVICE_WORKFLOW, input).catch((error: unknown) => error);
    expect((refused as WorkflowFailedError).cause).toMatchObject({ type: 'NothingToDecommission' });
    expect(fake.calls.map((call) => call.name)).toEqual(['lastRelease']);
  });
});
