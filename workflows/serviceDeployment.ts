// Not a workflow itself, so workflows/index.ts does not export it.
import { upsertSearchAttributes, WorkflowInfo } from '@temporalio/workflow';
import type { DesiredService } from '../src/model/types';
import type { NotificationDetails, NotificationType } from '../src/notify/notifier';
import type { ReleasedComponent, ReleaseRecord, ReleaseResult } from '../src/releases/releaseRecord';
import { eligibilityPolicy, requestGate, RequestGate, ReviewResult } from '../src/temporal/approval';
import type { DeploymentPhase, DeploymentProgress, DeployServiceInput, DeployServiceResult } from '../src/temporal/deployment';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/temporal/searchAttributes';
import { quick } from './activityOptions';

/**
 * One deployService run as its clients see it: the progress the query returns, the phase (also a
 * search attribute), the notifications to the service's channel, and the release record it ends with.
 */
export class ServiceDeployment {
  readonly progress: DeploymentProgress;
  /** The reviewed request, once the worker has reviewed it (the first step; nothing ends before it). */
  private request?: { review: ReviewResult; gate: RequestGate };

  constructor(
    private readonly input: DeployServiceInput,
    readonly service: DesiredService,
    private readonly info: WorkflowInfo,
  ) {
    this.progress = {
      workflowId: info.workflowId,
      stack: input.desired.stack,
      environment: input.desired.environment.name,
      service: service.name,
      version: input.version,
      kind: input.kind,
      requestedBy: input.requestedBy,
      phase: 'planning',
      startedAt: new Date().toISOString(),
      waves: [],
      approval: { required: false, approvers: [] },
    };
  }

  get environment() {
    return this.input.desired.environment;
  }

  /** The reviewed policy, once the request is reviewed; undefined when the reviewed branch lacks the environment. */
  get policy() {
    return this.request?.review.policy;
  }

  /** Takes the worker's review of the request: what it allows (refusal, approval, break-glass) and who may approve. */
  admit(review: ReviewResult): RequestGate {
    const { policy, requesterProof } = review;
    const gate = requestGate({
      policy,
      kind: this.input.kind,
      requestedBy: this.input.requestedBy,
      requesterProof,
      commitReviewed: review.commitReviewed,
      dirty: this.input.desired.checkout?.dirty ?? false,
      source: review.source,
    });
    this.progress.approval = { required: gate.approvalRequired, approvers: policy?.approvers ?? [], breakGlass: gate.breakGlass || undefined, runId: this.info.runId, policy: policy && eligibilityPolicy(policy) };
    this.request = { review, gate };
    return gate;
  }

  setPhase(phase: DeploymentPhase): void {
    this.progress.phase = phase;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.DeployStatus, value: phase }]);
  }

  notify(type: NotificationType, message: string, details?: NotificationDetails): Promise<void> {
    return quick.notify({
      type,
      stack: this.input.desired.stack,
      environment: this.environment.name,
      service: this.service.name,
      version: this.input.version,
      by: this.input.requestedBy,
      message,
      channel: this.service.spec.notifications?.slack?.channel,
      workflowId: this.info.workflowId,
      at: new Date().toISOString(),
      details,
    });
  }

  /** What set a rollback or failure off, with the breach monitoring saw, for the notification. */
  trigger(reason: string): NotificationDetails['trigger'] {
    const breach = this.progress.monitoring?.breach;
    return { reason, breach: breach && { errorRatePercent: breach.errorRatePercent, p99LatencyMs: breach.p99LatencyMs, unhealthy: breach.unhealthy, thresholds: this.progress.monitoring!.thresholds } };
  }

  /** Deployed, and monitoring saw nothing wrong: said on the channel, with how long it took, and recorded. */
  async succeed(components: ReleasedComponent[]): Promise<DeployServiceResult> {
    const duration = Math.round((Date.now() - Date.parse(this.progress.startedAt)) / 1000);
    await this.notify('succeeded', `${this.input.version} deployed in ${Math.floor(duration / 60)}m ${duration % 60}s`, { durationSeconds: duration });
    return this.finish('succeeded', 'succeeded', components);
  }

  /** Refused before anything was deployed: said on the channel, no release recorded. */
  async refuse(reason: string, components: ReleasedComponent[]): Promise<DeployServiceResult> {
    await this.notify('failed', reason);
    return this.finish('failed', undefined, components, reason);
  }

  /**
   * Ends the run in `phase`. With a `result`, records the release: `components` are what runs now,
   * `touched` what a deployment that did not finish may have changed (planned again next time).
   */
  async finish(phase: DeploymentPhase, result: ReleaseResult | undefined, components: ReleasedComponent[], reason?: string, touched?: string[]): Promise<DeployServiceResult> {
    const { progress, input } = this;
    progress.finishedAt = new Date().toISOString();
    progress.reason = reason;
    let release: ReleaseRecord | undefined;
    if (result) {
      release = {
        stack: input.desired.stack,
        environment: this.environment.name,
        service: this.service.name,
        version: input.version,
        commit: input.desired.commit,
        deployedBy: input.requestedBy,
        startedAt: progress.startedAt,
        finishedAt: progress.finishedAt,
        result,
        reason,
        kind: input.kind,
        approval: progress.approval.requestedAt ? { requestedAt: progress.approval.requestedAt, decidedAt: progress.approval.decision?.at ?? progress.finishedAt } : undefined,
        workflowId: this.info.workflowId,
        approvedBy: progress.approval.decision?.approve ? { identity: progress.approval.decision.by, channel: progress.approval.decision.channel } : undefined,
        requesterProof: this.request?.review.requesterProof,
        breakGlass: this.request?.gate.breakGlass || undefined,
        unreviewed: !this.request?.gate.reviewed || undefined,
        policy: this.policy,
        canaries: progress.canaries,
        touched,
        components,
        serviceSpec: this.service.spec,
        environmentSpec: this.environment.spec,
        groups: input.desired.groups,
      };
      await quick.recordRelease(release);
    }
    this.setPhase(phase);
    return { phase, reason, release, progress };
  }
}
