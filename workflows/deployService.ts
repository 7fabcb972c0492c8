import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeployerActivities } from '../activities';
import type { EnvironmentSpec } from '../src/model/schema';
import { componentRef } from '../src/model/componentRef';
import type { ObservedEnvironment } from '../src/targets/target';
import type { NotificationDetails, NotificationType } from '../src/notify/notifier';
import type { ReleasedComponent, ReleaseRecord, ReleaseResult } from '../src/releases/releaseRecord';
import { durationMs } from '../src/model/duration';
import { formatDelta } from '../src/plan/cost';
import { replacementBlockers } from '../src/plan/replacements';
import { approvalNeedsConfirmation, approvalProblem, approverIdentities, eligibilityPolicy, requestGate, slackIdentity } from '../src/temporal/approval';
import { gatedRefs } from '../src/temporal/healthGate';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import {
  ApprovalDecision,
  approvalUpdate,
  DeploymentPhase,
  DeploymentProgress,
  DeployServiceInput,
  DeployServiceResult,
  progressQuery,
  slackApproverQuery,
  WaveProgress,
} from '../src/temporal/deployment';
import { engine, quick } from './activityOptions';
import { keepDriftSchedule } from './driftSchedule';

const STARTED_VERB: Record<DeployServiceInput['kind'], string> = { deploy: 'deploying', rollback: 'rolling back to', remediate: 'remediating drift: restoring', decommission: 'decommissioning: removing' };

/** A deployment step failed; the workflow rolls back what it changed. */
class DeploymentFailed extends Error {}

/**
 * Deploys one service to one environment. Its workflow id is the service's lock. Steps: review (the
 * reviewed policy, the requester's proof; refused here when they do not hold) -> plan (nothing
 * changed: done; a reference that cannot resolve: refused) -> approval when required -> waves of
 * parallel component `up`s, each wave health-gated -> removals -> monitoring window -> release record
 * -> notification. A failure or a threshold breach rolls back to the last good release.
 */
export async function deployService(input: DeployServiceInput): Promise<DeployServiceResult> {
  const { desired } = input;
  const environment = desired.environment;
  const service = desired.services.find((candidate) => candidate.name === input.service);
  if (!service) throw ApplicationFailure.nonRetryable(`service ${input.service} is not in stack ${desired.stack}`, 'UnknownService');
  const info = workflowInfo();
  const progress: DeploymentProgress = {
    workflowId: info.workflowId,
    stack: desired.stack,
    environment: environment.name,
    service: service.name,
    version: input.version,
    kind: input.kind,
    requestedBy: input.requestedBy,
    phase: 'planning',
    startedAt: new Date().toISOString(),
    waves: [],
    approval: { required: false, approvers: [] },
  };
  setHandler(progressQuery, () => progress);

  // Who may decide comes from the reviewed branch of the deployment repo, never from what the
  // requester sent: an uncommitted edit of the approval settings changes nothing.
  const reviewed = await quick.reviewRequest({
    stack: desired.stack,
    service: service.name,
    environment: environment.name,
    kind: input.kind,
    version: input.version,
    requestedBy: input.requestedBy,
    request: input.request,
    commit: desired.commit,
    checkout: desired.checkout,
  });
  const { policy, requesterProof } = reviewed;
  const gate = requestGate({ policy, kind: input.kind, requestedBy: input.requestedBy, requesterProof, commitReviewed: reviewed.commitReviewed, dirty: desired.checkout?.dirty ?? false, source: reviewed.source });
  progress.approval = { required: gate.approvalRequired, approvers: policy?.approvers ?? [], breakGlass: gate.breakGlass || undefined, runId: info.runId, policy: policy && eligibilityPolicy(policy) };
  const approvalSettings = policy?.approval;
  let decision: ApprovalDecision | undefined;
  let verifying = false;
  const usedNonces = new Set<string>();

  // The Slack app maps the clicking user with the reviewed deployer.yaml, the same policy the
  // approvers, groups and keys come from.
  setHandler(slackApproverQuery, (slackUserId) => ({
    identity: policy ? slackIdentity(policy, slackUserId) : undefined,
    approvers: policy ? approverIdentities(policy) : [],
  }));
  setHandler(
    approvalUpdate,
    async (proposed) => {
      usedNonces.add(proposed.claims.nonce);
      verifying = true;
      try {
        // Signatures are checked by the worker (OpenSSH, HMAC); a refusal fails this Update only.
        const problem = await quick.verifyDecision({ decision: proposed, policy: policy! });
        if (problem) throw ApplicationFailure.nonRetryable(problem, 'DecisionNotProven');
      } finally {
        verifying = false;
      }
      if (progress.phase !== 'awaiting-approval' || decision) throw ApplicationFailure.nonRetryable(`this deployment is not waiting for approval any more (it is ${progress.phase})`, 'NotWaiting');
      decision = proposed;
      const { approve, by, channel, comment } = proposed.claims;
      progress.approval.decision = { approve, by, channel, comment, at: new Date().toISOString() };
      return progress.approval;
    },
    {
      validator: (proposed) => {
        if (progress.phase !== 'awaiting-approval' || !policy) throw new Error(`this deployment is not waiting for approval (it is ${progress.phase})`);
        if (verifying) throw new Error('another decision is being verified; try again in a moment');
        const problem = approvalProblem(proposed, {
          workflowId: info.workflowId,
          runId: info.runId,
          planHash: progress.approval.planHash ?? '',
          requestedBy: input.requestedBy,
          service: service.name,
          policy,
          usedNonces,
          now: Date.now(),
        });
        if (problem) throw new Error(problem);
      },
    },
  );

  const setPhase = (phase: DeploymentPhase) => {
    progress.phase = phase;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: phase }]);
  };
  const notify = (type: NotificationType, message: string, details?: NotificationDetails) =>
    quick.notify({
      type,
      stack: desired.stack,
      environment: environment.name,
      service: service.name,
      version: input.version,
      by: input.requestedBy,
      message,
      channel: service.spec.notifications?.slack?.channel,
      workflowId: info.workflowId,
      at: new Date().toISOString(),
      details,
    });
  const trigger = (reason: string): NotificationDetails['trigger'] => {
    const breach = progress.monitoring?.breach;
    return { reason, breach: breach && { errorRatePercent: breach.errorRatePercent, p99LatencyMs: breach.p99LatencyMs, unhealthy: breach.unhealthy, thresholds: progress.monitoring!.thresholds } };
  };
  const finish = async (phase: DeploymentPhase, result: ReleaseResult | undefined, components: ReleasedComponent[], reason?: string, touched?: string[]): Promise<DeployServiceResult> => {
    progress.finishedAt = new Date().toISOString();
    progress.reason = reason;
    let release: ReleaseRecord | undefined;
    if (result) {
      release = {
        stack: desired.stack,
        environment: environment.name,
        service: service.name,
        version: input.version,
        commit: desired.commit,
        deployedBy: input.requestedBy,
        startedAt: progress.startedAt,
        finishedAt: progress.finishedAt,
        result,
        reason,
        kind: input.kind,
        approval: progress.approval.requestedAt ? { requestedAt: progress.approval.requestedAt, decidedAt: progress.approval.decision?.at ?? progress.finishedAt } : undefined,
        workflowId: info.workflowId,
        approvedBy: progress.approval.decision?.approve ? { identity: progress.approval.decision.by, channel: progress.approval.decision.channel } : undefined,
        requesterProof,
        breakGlass: gate.breakGlass || undefined,
        unreviewed: !gate.reviewed || undefined,
        policy,
        touched,
        components,
        serviceSpec: service.spec,
        environmentSpec: environment.spec,
        groups: desired.groups,
      };
      await quick.recordRelease(release);
    }
    setPhase(phase);
    return { phase, reason, release, progress };
  };

  if (gate.refusal) {
    await notify('failed', gate.refusal);
    return finish('failed', undefined, [], gate.refusal);
  }
  const { plan, planHash, released } = await quick.planService({ desired, service: service.name, force: input.force });
  progress.plan = plan;
  progress.approval.planHash = planHash;
  progress.waves = plan.waves.map((wave) => ({
    index: wave.index,
    state: 'pending',
    components: wave.changes.map((change) => ({ id: change.id, kind: change.kind, action: change.action, state: 'pending' })),
  }));
  const desiredComponents: ReleasedComponent[] = service.components.map(({ source: _source, ...component }) => component);
  if (plan.noop) return finish('unchanged', undefined, released);
  // A replacement that loses data (a database, a cache, queued messages) goes ahead only when the
  // requester named the component with --allow-replace; approvers then see it in the plan.
  plan.blockers.push(
    ...replacementBlockers(plan.waves.flatMap((wave) => wave.changes), input.allowReplace ?? [], {
      stack: desired.stack,
      environment: environment.name,
      target: environment.spec.target,
      deletionProtection: environment.spec.approval.required,
      sourceOf: (id) => sourceOf(service.components.find((component) => component.id === id)?.source),
    }),
  );
  if (plan.blockers.length) {
    const reason = `nothing was deployed: ${plan.blockers.join(' ')}`;
    await notify('failed', reason);
    return finish('failed', undefined, released, reason);
  }

  const componentById = new Map(desiredComponents.map((component) => [component.id, component]));
  const previousById = new Map(released.map((component) => [component.id, component]));
  const task = (component: ReleasedComponent) => ({ stack: desired.stack, environment, component });
  const applied: string[] = [];

  try {
    await notify('started', `${STARTED_VERB[input.kind]} ${input.version} (${plan.waves.length} wave${plan.waves.length === 1 ? '' : 's'}${plan.deletions.length ? `, ${plan.deletions.length} removal${plan.deletions.length === 1 ? '' : 's'}` : ''})`);

    if (gate.approvalRequired && approvalSettings) {
      setPhase('awaiting-approval');
      const timeoutMs = durationMs(approvalSettings.timeout);
      progress.approval.requestedAt = new Date().toISOString();
      progress.approval.deadline = new Date(Date.now() + timeoutMs).toISOString();
      await notify('awaiting-approval', `waiting for approval by ${progress.approval.approvers.join(', ')} (cost ${formatDelta(plan.cost.delta)}/month)`, {
        changes: [...plan.waves.flatMap((wave) => wave.changes), ...plan.deletions],
        cost: { current: plan.cost.current, new: plan.cost.new, delta: plan.cost.delta },
        approval: { approvers: progress.approval.approvers, deadline: progress.approval.deadline, confirm: approvalNeedsConfirmation(environment.name, approvalSettings), runId: info.runId, planHash },
      });
      if (!(await condition(() => decision !== undefined, timeoutMs))) {
        await notify('timed-out', `no approval within ${approvalSettings.timeout}; nothing was deployed`);
        return finish('timed-out', 'cancelled', released, `approval timed out after ${approvalSettings.timeout}`);
      }
      if (!decision!.claims.approve) {
        const reason = `rejected by ${decision!.claims.by}${decision!.claims.comment ? `: ${decision!.claims.comment}` : ''}`;
        await notify('rejected', reason);
        return finish('rejected', 'rejected', released, reason);
      }
    }

    setPhase('deploying');
    for (const wave of progress.waves) await runWave(wave, desired.stack, environment.name, componentById, task, applied);
    for (const deletion of plan.deletions) {
      // Recorded before it runs, like an apply: a rollback puts the removed component back.
      applied.push(deletion.id);
      await engine.removeComponent(task(previousById.get(deletion.id)!));
    }

    const microServices = desiredComponents.filter((component) => component.kind === 'MicroService').map((component) => componentRef(desired.stack, environment.name, component));
    const windowMs = durationMs(environment.spec.rollout.monitorWindow);
    if (microServices.length && windowMs > 0) {
      setPhase('monitoring');
      const thresholds = { errorRatePercent: environment.spec.rollback.errorRatePercent, p99LatencyMs: environment.spec.rollback.p99LatencyMs };
      // Workflow time, fixed in history: every attempt of the monitor (a retry after a lost worker
      // too) judges the same window, from the moment the release went live.
      const windowStartedAt = Date.now();
      progress.monitoring = { windowMs, thresholds, startedAt: new Date(windowStartedAt).toISOString() };
      const breach = await engine.monitorRelease({ environment: observedEnvironment(environment.spec), refs: microServices, windowStartedAt, windowMs, intervalMs: durationMs(environment.spec.rollout.checkInterval), thresholds });
      if (breach) {
        progress.monitoring.breach = breach;
        if (environment.spec.rollback.automatic && input.kind !== 'rollback') throw new DeploymentFailed(`monitoring breached: ${breach.reason}`);
        await notify('failed', `monitoring breached (${breach.reason}); automatic rollback is off`, { trigger: trigger(`monitoring breached: ${breach.reason}`) });
        return finish('failed', 'failed', desiredComponents, `monitoring breached: ${breach.reason}`);
      }
    }
    const duration = Math.round((Date.now() - Date.parse(progress.startedAt)) / 1000);
    await notify('succeeded', `${input.version} deployed in ${Math.floor(duration / 60)}m ${duration % 60}s`, { durationSeconds: duration });
    const succeeded = await finish('succeeded', 'succeeded', desiredComponents);
    // Drift detection follows what was deployed: its Schedule is created/updated from the environment's settings.
    await keepDriftSchedule(desired.stack, environment);
    return succeeded;
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await notify('cancelled', 'deployment cancelled; running Pulumi operations were stopped');
        await finish('cancelled', 'cancelled', released, 'cancelled', applied);
      });
      throw error;
    }
    const reason = error instanceof DeploymentFailed ? error.message : describe(error);
    setPhase('rolling-back');
    try {
      await rollBack(applied, previousById, componentById, task, progress.waves);
    } catch (rollbackError) {
      // Cancelled mid-rollback: part of the service runs the new release, part the last good one.
      // Recorded as cancelled with everything this run touched, so the next plan applies those again.
      // (Runs recorded before this was patched in ended without a record; they replay as they ran.)
      if (isCancellation(rollbackError) && patched('record-cancelled-rollback')) {
        await CancellationScope.nonCancellable(async () => {
          await notify('cancelled', `cancelled while rolling back (${reason}); running Pulumi operations were stopped`);
          await finish('cancelled', 'cancelled', released, `cancelled while rolling back: ${reason}`, applied);
        });
        throw rollbackError;
      }
      const why = `${reason}; rollback failed too: ${describe(rollbackError)}`;
      await notify('failed', why);
      return finish('failed', 'failed', desiredComponents, why, applied);
    }
    await notify('rolled-back', `${reason}; rolled back to the last good release`, { trigger: trigger(reason) });
    return finish('rolled-back', 'rolled_back', released, reason);
  }
}

/** `file:line` of a component's main file; none for one rendered from a release (rollback). */
function sourceOf(source: { file: string; line: number } | undefined): string | undefined {
  return source?.file ? `${source.file}:${source.line}` : undefined;
}

/** Applies one wave's components in parallel; a failure of any fails the wave after all have ended. */
async function runWave(
  wave: WaveProgress,
  stack: string,
  environment: string,
  componentById: Map<string, ReleasedComponent>,
  task: (component: ReleasedComponent) => Parameters<DeployerActivities['applyComponent']>[0],
  applied: string[],
): Promise<void> {
  wave.state = 'running';
  const outcomes = await Promise.allSettled(
    wave.components.map(async (progress) => {
      progress.state = 'running';
      progress.startedAt = new Date().toISOString();
      applied.push(progress.id);
      try {
        await engine.applyComponent(task(componentById.get(progress.id)!));
        progress.state = 'done';
      } catch (error) {
        progress.state = 'failed';
        progress.error = describe(error);
        throw error;
      } finally {
        progress.finishedAt = new Date().toISOString();
      }
    }),
  );
  // A cancelled deployment is not a failed one: no rollback, the workflow records it as cancelled.
  const cancelled = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected' && isCancellation(outcome.reason));
  if (cancelled) throw cancelled.reason;
  const failed = wave.components.filter((component) => component.state === 'failed');
  if (failed.length) {
    wave.state = 'failed';
    throw new DeploymentFailed(`wave ${wave.index} failed: ${failed.map((component) => `${component.id}: ${component.error}`).join('; ')}`);
  }
  const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
  const refs = gatedRefs(wave, componentById, stack, environment);
  if (refs.length) {
    const environmentSpec = task(componentById.get(wave.components[0]!.id)!).environment.spec;
    try {
      await engine.awaitHealthy({ environment: observedEnvironment(environmentSpec), refs, timeoutMs: durationMs(environmentSpec.rollout.healthTimeout) });
    } catch (error) {
      if (isCancellation(error)) throw error;
      wave.state = 'failed';
      throw new DeploymentFailed(`wave ${wave.index} health gate: ${describe(error)}`);
    }
  }
  wave.state = 'done';
}

/** Puts back what this deployment changed, newest first: previous specs re-applied (removed components recreated), new components removed. */
async function rollBack(
  applied: string[],
  previousById: Map<string, ReleasedComponent>,
  componentById: Map<string, ReleasedComponent>,
  task: (component: ReleasedComponent) => Parameters<DeployerActivities['applyComponent']>[0],
  waves: WaveProgress[],
): Promise<void> {
  for (const id of [...applied].reverse()) {
    const previous = previousById.get(id);
    if (previous) await engine.applyComponent(task(previous));
    else await engine.removeComponent(task(componentById.get(id)!));
    for (const wave of waves) for (const component of wave.components) if (component.id === id) component.state = 'rolled-back';
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : error.message;
  }
  return String(error);
}

/** Only what observers need travels to the health gate and the monitor, not the whole environment. */
function observedEnvironment(spec: EnvironmentSpec): ObservedEnvironment {
  return { target: spec.target, region: spec.region, platform: spec.platform };
}
