// Not a workflow itself, so workflows/index.ts does not export it.
import { ApplicationFailure, CancellationScope, condition } from '@temporalio/workflow';
import { componentRef } from '../src/model/componentRef';
import { durationMs } from '../src/model/duration';
import type { CanarySettings, EnvironmentSpec } from '../src/model/schema';
import type { DeploymentPolicy } from '../src/model/types';
import type { NotificationDetails } from '../src/notify/notifier';
import type { CanaryProgress, CanaryStep, CanaryVerdict } from '../src/releases/canary';
import type { ReleasedComponent } from '../src/releases/releaseRecord';
import { approvalProblem } from '../src/temporal/approval';
import type { ApprovalDecision, DeploymentProgress } from '../src/temporal/deployment';
import { ComponentTask, observedEnvironment } from '../src/temporal/deploymentActivities';
import { engine } from './activityOptions';
import { DecisionProofs } from './decisionProofs';

/** With `insufficientTraffic: wait`, a step runs again at most this many times before it fails. */
const INSUFFICIENT_TRAFFIC_RETRIES = 3;

/** A canary that failed its analysis or was aborted: the deployment rolls back. */
export class CanaryStopped extends Error {}

type Decision = { by: string; comment?: string; step: number };

/**
 * The canaries of one deployService run: the handler of the canary Update (promote, abort), and
 * each canary's steps. Who may decide is the approval rule of the reviewed policy, as for approvals.
 */
export class Canaries {
  /** Promotions by component: each names the step it promotes. */
  private readonly promotions = new Map<string, Decision>();
  /** Aborts by component: one stops its canary at whatever step it has reached. */
  private readonly aborts = new Map<string, Decision>();
  private readonly proofs = new DecisionProofs();

  constructor(
    private readonly progress: DeploymentProgress,
    private readonly policy: DeploymentPolicy | undefined,
    private readonly deployment: { workflowId: string; runId: string; requestedBy: string; service: string },
    private readonly notify: (message: string, details?: NotificationDetails) => Promise<void>,
  ) {}

  /** The Update's validator: a refused decision never enters the workflow's history. */
  validate(proposed: ApprovalDecision): void {
    const { claims } = proposed;
    const canary = this.running(claims.canaryComponent);
    if (!canary || !this.policy) throw new Error(`no canary of ${claims.canaryComponent ?? 'this service'} runs (the deployment is ${this.progress.phase})`);
    const step = current(canary);
    if (claims.approve && !step.waiting?.manual) throw new Error(`the canary of ${canary.component} is not waiting for promotion at step ${step.step}: it goes on by itself when its analysis passes`);
    this.proofs.assertIdle();
    const problem = approvalProblem(proposed, {
      ...this.deployment,
      planHash: this.progress.approval.planHash ?? '',
      policy: this.policy,
      usedNonces: this.proofs.usedNonces,
      now: Date.now(),
      canary: { component: canary.component, step: step.step },
    });
    if (problem) throw new Error(problem);
  }

  /** The Update's handler: takes the decision once the worker has checked its proof. */
  async decide(proposed: ApprovalDecision): Promise<CanaryProgress> {
    const { claims } = proposed;
    await this.proofs.prove(proposed, this.policy!);
    const canary = this.running(claims.canaryComponent);
    if (!canary || current(canary).step !== claims.canaryStep) throw ApplicationFailure.nonRetryable(`the canary of ${claims.canaryComponent} moved on while the decision was verified; look again and decide`, 'NotWaiting');
    (claims.approve ? this.promotions : this.aborts).set(canary.component, { by: claims.by, comment: claims.comment, step: claims.canaryStep! });
    return canary;
  }

  /**
   * Runs the canary of `component` beside `stable`, step by step: each step applies its weight,
   * watches it against the stable version, and waits for a promotion where it is manual. Returns
   * when every step passed (the caller then applies the new version whole); throws CanaryStopped
   * when an analysis fails or someone aborts, after which the deployment rolls back.
   */
  async run(task: ComponentTask, stable: ReleasedComponent, settings: CanarySettings): Promise<void> {
    const { component } = task;
    const { notify } = this;
    const canary: CanaryProgress = { component: component.id, stableVersion: versionOf(stable), canaryVersion: versionOf(component), plannedSteps: settings.steps, state: 'running', steps: [] };
    (this.progress.canaries ??= []).push(canary);
    try {
      for (const [index, planned] of settings.steps.entries()) {
        const step: CanaryStep = { step: index + 1, weight: planned.weight, startedAt: new Date().toISOString() };
        canary.steps.push(step);
        await engine.applyComponent({ ...task, canary: { weight: planned.weight, stable } });
        this.stopIfAborted(canary, step);
        if (planned.pause && planned.pause !== 'manual') await this.watch(canary, step, task, settings, durationMs(planned.pause));
        if (planned.pause === 'manual') {
          step.waiting = { manual: true };
          // With buttons in Slack: they name this run's plan, the canary and the step, as `deployer promote` does.
          const buttons = { runId: this.deployment.runId, planHash: this.progress.approval.planHash ?? '', component: canary.component, step: step.step };
          await notify(`canary ${canary.canaryVersion} of ${canary.component} takes ${step.weight}% of requests and waits for \`deployer promote\` (or \`deployer abort\`)`, { canary: buttons });
          // As long as an approval may take: the deployment holds the service's lock while it waits.
          const timeout = this.policy?.approval.timeout ?? '24h';
          const decided = await condition(() => this.aborts.has(canary.component) || this.promotions.get(canary.component)?.step === step.step, durationMs(timeout));
          step.waiting = undefined;
          this.stopIfAborted(canary, step);
          if (!decided) this.stop(canary, step, 'failed', `nobody promoted it within ${timeout}`);
          const promotion = this.promotions.get(canary.component)!;
          step.outcome = 'promoted';
          step.by = promotion.by;
          step.reason = `promoted by ${promotion.by}${promotion.comment ? `: ${promotion.comment}` : ''}`;
        }
        step.endedAt = new Date().toISOString();
        // A step without a pause is not judged: it only sets the weight on the way to the next.
        await notify(`canary ${canary.canaryVersion} of ${canary.component}, step ${step.step} (${step.weight}%): ${step.outcome ?? 'done, not judged (no pause)'}${step.reason ? ` (${step.reason})` : ''}`);
      }
      canary.state = 'promoted';
    } catch (error) {
      if (canary.state === 'running') canary.state = 'failed';
      throw error;
    }
  }

  /** Watches a timed step until it passes; runs it again while traffic is too little to judge (policy permitting). */
  private async watch(canary: CanaryProgress, step: CanaryStep, task: ComponentTask, settings: CanarySettings, stepMs: number): Promise<void> {
    const { environment } = task;
    for (let attempt = 0; ; attempt += 1) {
      const stepStartedAt = Date.now();
      step.waiting = { until: new Date(stepStartedAt + stepMs).toISOString() };
      const verdict = await this.watchUnlessDecided(canary, {
        environment: observedEnvironment(environment.spec),
        ref: componentRef(task.stack, environment.name, task.component),
        stepStartedAt,
        stepMs,
        intervalMs: Math.min(stepMs, durationMs(environment.spec.rollout.checkInterval)),
        analysis: settings.analysis,
        thresholds: thresholdsOf(environment.spec),
      });
      step.waiting = undefined;
      this.stopIfAborted(canary, step);
      if (!verdict) throw new Error('a canary watch ended without a verdict nor an abort');
      step.figures = { stable: verdict.stable, canary: verdict.canary };
      step.reason = verdict.reason;
      if (verdict.outcome === 'pass') return void (step.outcome = 'passed');
      if (verdict.outcome === 'fail') this.stop(canary, step, 'failed', `analysis failed: ${verdict.reason}`);
      step.outcome = 'insufficient-traffic';
      if (settings.analysis.insufficientTraffic === 'fail' || attempt + 1 >= INSUFFICIENT_TRAFFIC_RETRIES) this.stop(canary, step, 'failed', `too little traffic to judge: ${verdict.reason}`);
    }
  }

  /** The step's verdict, or undefined when someone aborted the canary first (the watch is then cancelled). */
  private async watchUnlessDecided(canary: CanaryProgress, request: Parameters<typeof engine.watchCanary>[0]): Promise<CanaryVerdict | undefined> {
    const scope = new CancellationScope();
    const watching = scope.run(() => engine.watchCanary(request));
    const aborted = condition(() => this.aborts.has(canary.component)).then(() => undefined);
    const first = await Promise.race([watching, aborted]);
    if (first) return first;
    scope.cancel();
    await watching.catch(() => undefined);
    return undefined;
  }

  private stopIfAborted(canary: CanaryProgress, step: CanaryStep): void {
    const abort = this.aborts.get(canary.component);
    if (!abort) return;
    step.by = abort.by;
    this.stop(canary, step, 'aborted', `aborted by ${abort.by}${abort.comment ? `: ${abort.comment}` : ''}`);
  }

  private stop(canary: CanaryProgress, step: CanaryStep, outcome: 'failed' | 'aborted', reason: string): never {
    canary.state = outcome;
    step.outcome = outcome;
    step.reason = reason;
    step.endedAt = new Date().toISOString();
    throw new CanaryStopped(`canary ${canary.canaryVersion} of ${canary.component}, step ${step.step} (${step.weight}% of requests): ${reason}`);
  }

  private running(component: string | undefined): CanaryProgress | undefined {
    return this.progress.canaries?.find((canary) => canary.component === component && canary.state === 'running');
  }
}

function current(canary: CanaryProgress): CanaryStep {
  return canary.steps[canary.steps.length - 1]!;
}

function versionOf(component: ReleasedComponent): string {
  return component.kind === 'MicroService' ? component.spec.image.slice(component.spec.image.lastIndexOf(':') + 1) : '';
}

function thresholdsOf(spec: EnvironmentSpec) {
  return { errorRatePercent: spec.rollback.errorRatePercent, p99LatencyMs: spec.rollback.p99LatencyMs };
}
