import { ApplicationFailure, CancellationScope, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { componentRef } from '../src/model/componentRef';
import { durationMs } from '../src/model/duration';
import type { DesiredService } from '../src/model/types';
import type { DeploymentPlan } from '../src/plan/buildPlan';
import { formatDelta } from '../src/plan/cost';
import { replacementBlockers } from '../src/plan/replacements';
import type { ReleasedComponent } from '../src/releases/releaseRecord';
import { approvalNeedsConfirmation, RequestGate, ReviewResult } from '../src/temporal/approval';
import { approvalUpdate, canaryDecisionUpdate, DeployServiceInput, DeployServiceResult, progressQuery, slackApproverQuery } from '../src/temporal/deployment';
import { MonitorBreach, observedEnvironment, ServicePlan } from '../src/temporal/deploymentActivities';
import { engine, quick } from './activityOptions';
import { ApprovalDecisions } from './approvalDecisions';
import { Canaries } from './canary';
import { keepDriftSchedule } from './driftSchedule';
import { DeploymentFailed, describe, Rollout } from './rollout';
import { ServiceDeployment } from './serviceDeployment';

const STARTED_VERB: Record<DeployServiceInput['kind'], string> = { deploy: 'deploying', rollback: 'rolling back to', remediate: 'remediating drift: restoring', decommission: 'decommissioning: removing' };

/**
 * Deploys one service to one environment. Its workflow id is the service's lock. Steps: review (the
 * reviewed policy, the requester's proof; refused here when they do not hold) -> plan (nothing
 * changed: done; a reference that cannot resolve: refused) -> approval when required -> waves of
 * parallel component `up`s, each wave health-gated -> removals -> monitoring window -> release record
 * -> notification. A failure or a threshold breach rolls back to the last good release.
 */
export async function deployService(input: DeployServiceInput): Promise<DeployServiceResult> {
  const { desired } = input;
  const service = desired.services.find((candidate) => candidate.name === input.service);
  if (!service) throw ApplicationFailure.nonRetryable(`service ${input.service} is not in stack ${desired.stack}`, 'UnknownService');
  const info = workflowInfo();
  const deployment = new ServiceDeployment(input, service, info);
  setHandler(progressQuery, () => deployment.progress);

  const gate = deployment.admit(await reviewRequest(input));
  const approval = new ApprovalDecisions(deployment.progress, deployment.policy, { workflowId: info.workflowId, runId: info.runId, requestedBy: input.requestedBy, service: service.name });
  setHandler(slackApproverQuery, (slackUserId) => approval.slackApprover(slackUserId));
  setHandler(approvalUpdate, (proposed) => approval.decide(proposed), { validator: (proposed) => approval.validate(proposed) });
  const canaries = new Canaries(deployment.progress, deployment.policy, { workflowId: info.workflowId, runId: info.runId, requestedBy: input.requestedBy, service: service.name }, (message, details) =>
    deployment.notify('canary', message, details),
  );
  setHandler(canaryDecisionUpdate, (proposed) => canaries.decide(proposed), { validator: (proposed) => canaries.validate(proposed) });
  if (gate.refusal) return deployment.refuse(gate.refusal, []);

  const planned = await plan(deployment, input);
  const { released } = planned;
  if (planned.plan.noop) return deployment.finish('unchanged', undefined, released);
  planned.plan.blockers.push(...refusedReplacements(planned.plan, input, service));
  if (planned.plan.blockers.length) return deployment.refuse(`nothing was deployed: ${planned.plan.blockers.join(' ')}`, released);

  const desiredComponents: ReleasedComponent[] = service.components.map(({ source: _source, ...component }) => component);
  // A rollback or a remediation puts a known release back at once: only new versions go out as canaries.
  const rollout = new Rollout(desired.stack, desired.environment, desiredComponents, released, input.kind === 'deploy' ? canaries : undefined);
  try {
    await deployment.notify('started', startedMessage(input, planned.plan));
    const undecided = await approve(deployment, approval, gate, planned);
    if (undecided) return undecided;

    deployment.setPhase('deploying');
    for (const wave of deployment.progress.waves) await rollout.applyWave(wave);
    for (const deletion of planned.plan.deletions) await rollout.remove(deletion.id);

    const breach = await monitor(deployment, desired.stack, desiredComponents);
    if (breach) {
      const reason = `monitoring breached: ${breach.reason}`;
      if (desired.environment.spec.rollback.automatic && input.kind !== 'rollback') throw new DeploymentFailed(reason);
      await deployment.notify('failed', `monitoring breached (${breach.reason}); automatic rollback is off`, { trigger: deployment.trigger(reason) });
      return deployment.finish('failed', 'failed', desiredComponents, reason);
    }
    const succeeded = await deployment.succeed(desiredComponents);
    // Drift detection follows what was deployed: its Schedule is created/updated from the environment's settings.
    await keepDriftSchedule(desired.stack, desired.environment);
    return succeeded;
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await deployment.notify('cancelled', 'deployment cancelled; running Pulumi operations were stopped');
        await deployment.finish('cancelled', 'cancelled', released, 'cancelled', rollout.applied);
      });
      throw error;
    }
    return rollBack(deployment, rollout, error, desiredComponents, released);
  }
}

/** The worker reviews the request: the approval policy from the reviewed branch, and the requester's proof under it. */
function reviewRequest(input: DeployServiceInput): Promise<ReviewResult> {
  const { desired } = input;
  return quick.reviewRequest({
    stack: desired.stack,
    service: input.service,
    environment: desired.environment.name,
    kind: input.kind,
    version: input.version,
    requestedBy: input.requestedBy,
    request: input.request,
    commit: desired.commit,
    checkout: desired.checkout,
  });
}

/** The service's plan against its last good release, shown as the deployment's waves; approvals are bound to its hash. */
async function plan(deployment: ServiceDeployment, input: DeployServiceInput): Promise<ServicePlan> {
  const planned = await quick.planService({ desired: input.desired, service: deployment.service.name, force: input.force });
  const { progress } = deployment;
  progress.plan = planned.plan;
  progress.approval.planHash = planned.planHash;
  progress.waves = planned.plan.waves.map((wave) => ({
    index: wave.index,
    state: 'pending',
    components: wave.changes.map((change) => ({ id: change.id, kind: change.kind, action: change.action, state: 'pending' })),
  }));
  return planned;
}

/**
 * A replacement that loses data (a database, a cache, queued messages) goes ahead only when the
 * requester named the component with --allow-replace; approvers then see it in the plan.
 */
function refusedReplacements(plan: DeploymentPlan, input: DeployServiceInput, service: DesiredService): string[] {
  const { environment } = input.desired;
  return replacementBlockers(plan.waves.flatMap((wave) => wave.changes), input.allowReplace ?? [], {
    stack: input.desired.stack,
    environment: environment.name,
    target: environment.spec.target,
    deletionProtection: environment.spec.approval.required,
    sourceOf: (id) => sourceOf(service.components.find((component) => component.id === id)?.source),
  });
}

function startedMessage(input: DeployServiceInput, plan: DeploymentPlan): string {
  const waves = `${plan.waves.length} wave${plan.waves.length === 1 ? '' : 's'}`;
  const removals = plan.deletions.length ? `, ${plan.deletions.length} removal${plan.deletions.length === 1 ? '' : 's'}` : '';
  return `${STARTED_VERB[input.kind]} ${input.version} (${waves}${removals})`;
}

/**
 * Where approval is required, waits for a decision on the plan. Returns the deployment's result
 * when it ends here (no decision in time, or a rejection), undefined when it goes ahead.
 */
async function approve(deployment: ServiceDeployment, approval: ApprovalDecisions, gate: RequestGate, { plan, planHash, released }: ServicePlan): Promise<DeployServiceResult | undefined> {
  const settings = deployment.policy?.approval;
  if (!gate.approvalRequired || !settings) return undefined;
  const { progress, environment } = deployment;
  deployment.setPhase('awaiting-approval');
  const timeoutMs = durationMs(settings.timeout);
  progress.approval.requestedAt = new Date().toISOString();
  progress.approval.deadline = new Date(Date.now() + timeoutMs).toISOString();
  await deployment.notify('awaiting-approval', `waiting for approval by ${progress.approval.approvers.join(', ')} (cost ${formatDelta(plan.cost.delta)}/month)`, {
    changes: [...plan.waves.flatMap((wave) => wave.changes), ...plan.deletions],
    cost: { current: plan.cost.current, new: plan.cost.new, delta: plan.cost.delta },
    approval: { approvers: progress.approval.approvers, deadline: progress.approval.deadline, confirm: approvalNeedsConfirmation(environment.name, settings), runId: workflowInfo().runId, planHash },
  });
  const decision = await approval.wait(timeoutMs);
  if (!decision) {
    await deployment.notify('timed-out', `no approval within ${settings.timeout}; nothing was deployed`);
    return deployment.finish('timed-out', 'cancelled', released, `approval timed out after ${settings.timeout}`);
  }
  if (!decision.claims.approve) {
    const reason = `rejected by ${decision.claims.by}${decision.claims.comment ? `: ${decision.claims.comment}` : ''}`;
    await deployment.notify('rejected', reason);
    return deployment.finish('rejected', 'rejected', released, reason);
  }
  return undefined;
}

/** The monitoring window over the release's MicroServices, when the environment has one: the breach it saw, if any. */
async function monitor(deployment: ServiceDeployment, stack: string, components: ReleasedComponent[]): Promise<MonitorBreach | undefined> {
  const { environment, progress } = deployment;
  const microServices = components.filter((component) => component.kind === 'MicroService').map((component) => componentRef(stack, environment.name, component));
  const windowMs = durationMs(environment.spec.rollout.monitorWindow);
  if (!(microServices.length && windowMs > 0)) return undefined;
  deployment.setPhase('monitoring');
  const thresholds = { errorRatePercent: environment.spec.rollback.errorRatePercent, p99LatencyMs: environment.spec.rollback.p99LatencyMs };
  // Workflow time, fixed in history: every attempt of the monitor (a retry after a lost worker
  // too) judges the same window, from the moment the release went live.
  const windowStartedAt = Date.now();
  progress.monitoring = { windowMs, thresholds, startedAt: new Date(windowStartedAt).toISOString() };
  const breach = await engine.monitorRelease({ environment: observedEnvironment(environment.spec), refs: microServices, windowStartedAt, windowMs, intervalMs: durationMs(environment.spec.rollout.checkInterval), thresholds });
  if (breach) progress.monitoring.breach = breach;
  return breach;
}

/** After a failure or a breach: puts the last good release back and ends rolled back, or failed when the rollback fails too. */
async function rollBack(deployment: ServiceDeployment, rollout: Rollout, error: unknown, desiredComponents: ReleasedComponent[], released: ReleasedComponent[]): Promise<DeployServiceResult> {
  const reason = error instanceof DeploymentFailed ? error.message : describe(error);
  deployment.setPhase('rolling-back');
  try {
    await rollout.rollBack(deployment.progress.waves);
  } catch (rollbackError) {
    // Cancelled mid-rollback: part of the service runs the new release, part the last good one.
    // Recorded as cancelled with everything this run touched, so the next plan applies those again.
    // (Runs recorded before this was patched in ended without a record; they replay as they ran.)
    if (isCancellation(rollbackError) && patched('record-cancelled-rollback')) {
      await CancellationScope.nonCancellable(async () => {
        await deployment.notify('cancelled', `cancelled while rolling back (${reason}); running Pulumi operations were stopped`);
        await deployment.finish('cancelled', 'cancelled', released, `cancelled while rolling back: ${reason}`, rollout.applied);
      });
      throw rollbackError;
    }
    const why = `${reason}; rollback failed too: ${describe(rollbackError)}`;
    await deployment.notify('failed', why);
    return deployment.finish('failed', 'failed', desiredComponents, why, rollout.applied);
  }
  await deployment.notify('rolled-back', `${reason}; rolled back to the last good release`, { trigger: deployment.trigger(reason) });
  return deployment.finish('rolled-back', 'rolled_back', released, reason);
}

/** `file:line` of a component's main file; none for one rendered from a release (rollback). */
function sourceOf(source: { file: string; line: number } | undefined): string | undefined {
  return source?.file ? `${source.file}:${source.line}` : undefined;
}
