import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { DeployerActivities } from '../../activities';
import { DRIFT_CHECKS_AT_ONCE } from '../../src/drift/checkLimit';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import { DETECT_DRIFT_WORKFLOW, DetectDriftInput, DetectDriftResult, DriftTarget, REMEDIATE_DRIFT_WORKFLOW, RemediateDriftInput, RemediateDriftResult, type ComponentCheck, type FieldDriftReport, type NewFinding } from '../../src/temporal/drift';
import { componentsOf, ENVIRONMENT, exampleStack, planFor, policyWith, releaseOf, REQUESTER, reviewed, STACK } from '../support/deploymentFixtures';
import { FakeActivities } from '../support/fakeActivities';
import { recordHistory } from '../support/workflowHistories';
import { timeSkippingWorker } from '../support/timeSkipping';

// The drift workflows on the time-skipping test server, every activity faked: detection (one
// service, a whole stack, notifications once) and remediation through a deployService child.
describe('drift workflows (time-skipping, fake activities)', () => {
  const fake = new FakeActivities();
  const server = timeSkippingWorker(fake.activities);
  const model = exampleStack('v1.0.0');
  const release = releaseOf(model, 'v1.0.0');
  const component = (name: string) => componentsOf(model).find((candidate) => candidate.name === name)!;
  const database = component('database');
  const api = component('api');
  const replicas: FieldDriftReport = { field: 'replicas', specPath: ['scaling', 'replicas'], desired: 2, actual: 5, severity: 'medium', cause: 'Manual scaling outside deployer' };
  const target: DriftTarget = { service: 'user-service', status: 'check', release: { version: 'v1.0.0', finishedAt: release.finishedAt, deployedBy: REQUESTER }, environmentSpec: model.environment.spec, channel: '#deploys', components: [database, api] };
  const finding: NewFinding = { key: 'user-service/api:replicas', fingerprint: 'f1', component: 'user-service/api', kind: 'MicroService', field: replicas };

  const check = (checked: ReleasedComponent, fields: FieldDriftReport[] = []): ComponentCheck => ({ id: checked.id, name: checked.name, kind: checked.kind, outcome: 'checked', fields, context: [] });
  /** recordDriftChecks' answer: the checks as reports, drifted where a field differs; `unnotified` the findings not notified before. */
  const recordedAs =
    (unnotified: NewFinding[]): DeployerActivities['recordDriftChecks'] =>
    async ({ checks }) => ({
      components: checks.map((checked) => ({ id: checked.id, name: checked.name, kind: checked.kind, status: checked.outcome === 'error' ? 'error' : checked.fields.length ? 'drifted' : 'in-sync', fields: checked.fields, context: [], error: checked.error })),
      unnotified,
    });

  const run = <R>(workflow: string, input: unknown, prefix: string): Promise<R> =>
    server.env.client.workflow.execute(workflow, { taskQueue: server.taskQueue, workflowId: `${prefix}/${crypto.randomUUID()}`, args: [input] }) as Promise<R>;
  const names = () => fake.calls.map((call) => call.name);

  it('a stack-wide check: every component of each released service, new findings notified once; a failed check is reported, not fatal', async () => {
    fake.reset({
      driftTargets: async () => [target, { service: 'notification-service', status: 'skipped', reason: 'a deployment is running', components: [] }],
      checkComponentDrift: async ({ component }) => {
        if (component.id === database.id) throw ApplicationFailure.nonRetryable('the engine could not refresh the database');
        return check(component, [replicas]);
      },
      recordDriftChecks: recordedAs([finding]),
      notify: async () => undefined,
      markDriftNotified: async () => undefined,
    });
    const input: DetectDriftInput = { stack: STACK, environment: ENVIRONMENT, trigger: 'schedule' };
    const result = await run<DetectDriftResult>(DETECT_DRIFT_WORKFLOW, input, 'drift-detect');

    expect(names()).toEqual(['driftTargets', 'checkComponentDrift', 'checkComponentDrift', 'recordDriftChecks', 'notify', 'markDriftNotified']);
    expect(fake.callsOf('recordDriftChecks')[0]!.checks).toEqual([
      { id: database.id, name: 'database', kind: 'RDS', outcome: 'error', fields: [], context: [], error: 'the engine could not refresh the database' },
      check(api, [replicas]),
    ]);
    expect(fake.callsOf('notify')[0]).toMatchObject({ type: 'drift', service: 'user-service', version: 'v1.0.0', channel: '#deploys', message: 'drift in development: user-service/api (MicroService) replicas 2 -> 5 [medium: Manual scaling outside deployer]' });
    expect(fake.callsOf('markDriftNotified')[0]!.findings).toEqual([{ key: finding.key, fingerprint: 'f1' }]);
    expect(result).toMatchObject({ drifted: true, notified: 1, services: [{ service: 'user-service', status: 'checked' }, { service: 'notification-service', status: 'skipped', reason: 'a deployment is running', components: [] }] });
  });

  it('a sweep of many services checks at most DRIFT_CHECKS_AT_ONCE components at once, and every one of them', async () => {
    const services = Array.from({ length: 3 }, (_, index): DriftTarget => ({ ...target, service: `service-${index}`, components: Array.from({ length: 5 }, (_, number) => ({ ...api, id: `service-${index}/queue-${number}`, name: `queue-${number}` })) }));
    let running = 0;
    let most = 0;
    fake.reset({
      driftTargets: async () => services,
      checkComponentDrift: async ({ component }) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 50));
        running -= 1;
        return check(component);
      },
      recordDriftChecks: recordedAs([]),
    });
    const result = await run<DetectDriftResult>(DETECT_DRIFT_WORKFLOW, { stack: STACK, environment: ENVIRONMENT, trigger: 'schedule' } satisfies DetectDriftInput, 'drift-detect');
    expect(fake.callsOf('checkComponentDrift')).toHaveLength(15);
    expect(most).toBe(DRIFT_CHECKS_AT_ONCE);
    expect(result.services.map((service) => service.components.length)).toEqual([5, 5, 5]);
  });

  it('findings already notified, or a check that asks for no notification, notify nobody', async () => {
    fake.reset({ driftTargets: async () => [target], checkComponentDrift: async ({ component }) => check(component, component.id === api.id ? [replicas] : []), recordDriftChecks: recordedAs([finding]) });
    const quiet = await run<DetectDriftResult>(DETECT_DRIFT_WORKFLOW, { stack: STACK, environment: ENVIRONMENT, service: 'user-service', trigger: 'cli', notify: false } satisfies DetectDriftInput, 'drift-detect');
    expect(quiet).toMatchObject({ drifted: true, notified: 0 });

    fake.reset({ driftTargets: async () => [target], checkComponentDrift: async ({ component }) => check(component, component.id === api.id ? [replicas] : []), recordDriftChecks: recordedAs([]) });
    const seen = await run<DetectDriftResult>(DETECT_DRIFT_WORKFLOW, { stack: STACK, environment: ENVIRONMENT, service: 'user-service', trigger: 'schedule' } satisfies DetectDriftInput, 'drift-detect');
    expect(seen).toMatchObject({ drifted: true, notified: 0 });
    expect(names()).toEqual(['driftTargets', 'checkComponentDrift', 'checkComponentDrift', 'recordDriftChecks']);
  });

  it('remediation re-applies only the drifted components of the last good release, through deployService, then checks again', async () => {
    let checks = 0;
    fake.reset({
      driftTargets: async () => [target],
      // Drifted on the first look (two components), in sync on the second.
      checkComponentDrift: async ({ component }) => check(component, ++checks <= 2 && component.id === api.id ? [replicas] : []),
      recordDriftChecks: recordedAs([]),
      lastGoodRelease: async () => release,
      reviewRequest: async () => reviewed(policyWith({ required: true })),
      planService: async ({ desired, force }) => {
        const { plan, planHash } = planFor(desired, componentsOf(model));
        plan.waves = plan.waves.map((wave) => ({ ...wave, changes: wave.changes.filter((change) => force?.includes(change.id)) })).filter((wave) => wave.changes.length);
        return { plan, planHash, released: componentsOf(model) };
      },
      notify: async () => undefined,
      applyComponent: async () => ({ durationMs: 1, changes: {} }),
      awaitHealthy: async () => undefined,
      monitorRelease: async () => undefined,
      recordRelease: async () => undefined,
      ensureDriftSchedule: async () => ({ scheduleId: 'drift/user-platform/development', created: false }),
    });
    const input: RemediateDriftInput = { stack: STACK, environment: ENVIRONMENT, service: 'user-service', requestedBy: REQUESTER };
    const handle = await server.env.client.workflow.start(REMEDIATE_DRIFT_WORKFLOW, { taskQueue: server.taskQueue, workflowId: `drift-remediate/${crypto.randomUUID()}`, args: [input] });
    const result = (await handle.result()) as RemediateDriftResult;

    expect(result).toMatchObject({ phase: 'succeeded', version: 'v1.0.0', remediated: ['user-service/api'], workflowId: 'deploy/user-platform/development/user-service', after: { status: 'checked' } });
    expect(result.after!.components.map((component) => component.status)).toEqual(['in-sync', 'in-sync']);
    expect(names()).toEqual([
      ...['driftTargets', 'checkComponentDrift', 'checkComponentDrift', 'recordDriftChecks'],
      'lastGoodRelease',
      // Remediation needs no approval, even where deployments do.
      ...['reviewRequest', 'planService', 'notify', 'applyComponent', 'awaitHealthy', 'monitorRelease', 'notify', 'recordRelease', 'ensureDriftSchedule'],
      ...['driftTargets', 'checkComponentDrift', 'checkComponentDrift', 'recordDriftChecks'],
    ]);
    expect(fake.callsOf('planService')[0]!.force).toEqual(['user-service/api']);
    expect(fake.callsOf('applyComponent')[0]!.component).toEqual(api);
    expect(fake.callsOf('recordRelease')[0]).toMatchObject({ kind: 'remediate', result: 'succeeded', version: 'v1.0.0' });
    await recordHistory('remediateDrift-succeeded', handle);
  });

  it('remediation with nothing drifted deploys nothing; a service being deployed is reported locked', async () => {
    fake.reset({ driftTargets: async () => [target], checkComponentDrift: async ({ component }) => check(component), recordDriftChecks: recordedAs([]) });
    const clean = await run<RemediateDriftResult>(REMEDIATE_DRIFT_WORKFLOW, { stack: STACK, environment: ENVIRONMENT, service: 'user-service', requestedBy: REQUESTER } satisfies RemediateDriftInput, 'drift-remediate');
    expect(clean).toMatchObject({ phase: 'no-drift', remediated: [] });
    expect(names()).toEqual(['driftTargets', 'checkComponentDrift', 'checkComponentDrift', 'recordDriftChecks']);

    fake.reset({ driftTargets: async () => [{ service: 'user-service', status: 'skipped', reason: 'a deployment is running', components: [] }] });
    const locked = await run(REMEDIATE_DRIFT_WORKFLOW, { stack: STACK, environment: ENVIRONMENT, service: 'user-service', requestedBy: REQUESTER } satisfies RemediateDriftInput, 'drift-remediate').catch((error: unknown) => error);
    expect(locked).toBeInstanceOf(WorkflowFailedError);
    expect((locked as WorkflowFailedError).cause).toMatchObject({ type: 'ServiceLocked', message: 'user-service in development is locked by a running deployment (deploy/user-platform/development/user-service)' });
    expect(names()).toEqual(['driftTargets']);
  });
});
