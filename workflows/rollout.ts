// Not a workflow itself, so workflows/index.ts does not export it.
import { isCancellation } from '@temporalio/workflow';
import type { EnvironmentSpec } from '../src/model/schema';
import { durationMs } from '../src/model/duration';
import { canaryOf } from '../src/model/rolloutStrategy';
import type { ReleasedComponent } from '../src/releases/releaseRecord';
import type { WaveProgress } from '../src/temporal/deployment';
import { ComponentTask, observedEnvironment } from '../src/temporal/deploymentActivities';
import { gatedRefs } from '../src/temporal/healthGate';
import { engine } from './activityOptions';
import type { Canaries } from './canary';

/** A deployment step failed; the workflow rolls back what it changed. */
export class DeploymentFailed extends Error {}

/**
 * What a deployment changes, component by component: waves applied, removals, and the rollback that
 * puts back, newest first, what it changed. `applied` lists every component it touched (each
 * recorded before its engine run starts, so a rollback includes one that failed half-way).
 */
export class Rollout {
  readonly applied: string[] = [];
  private readonly componentById: Map<string, ReleasedComponent>;
  private readonly previousById: Map<string, ReleasedComponent>;

  constructor(
    private readonly stack: string,
    private readonly environment: { name: string; spec: EnvironmentSpec },
    desired: ReleasedComponent[],
    released: ReleasedComponent[],
    /** Runs the canaries of MicroServices whose strategy is canary; none: every update is rolling (rollbacks, remediation). */
    private readonly canaries?: Canaries,
  ) {
    this.componentById = new Map(desired.map((component) => [component.id, component]));
    this.previousById = new Map(released.map((component) => [component.id, component]));
  }

  /** Applies one wave's components in parallel; a failure of any fails the wave after all have ended. Then the wave's health gate. */
  async applyWave(wave: WaveProgress): Promise<void> {
    wave.state = 'running';
    // Only where this run has canaries (not a rollback or a remediation, which put a known release back at once).
    const canaryFor = (id: string) => this.canaries && canaryOf(this.environment.spec, this.componentById.get(id)!, this.previousById.get(id));
    // Applied together (one engine run where the target keeps a service in one stack); a canary goes through its steps first, alone.
    const together = wave.components.filter((progress) => !canaryFor(progress.id)).map((progress) => progress.id);
    const outcomes = await Promise.allSettled(
      wave.components.map(async (progress) => {
        progress.state = 'running';
        progress.startedAt = new Date().toISOString();
        this.applied.push(progress.id);
        try {
          const component = this.componentById.get(progress.id)!;
          const previous = this.previousById.get(progress.id);
          const canary = canaryFor(progress.id);
          // Every step passed: the new version then takes every request (the canary's promotion).
          if (canary && previous) await this.canaries!.run(this.task(component), previous, canary);
          await engine.applyComponent({ ...this.task(component), ...(canary ? {} : { wave: together }) });
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
      throw new DeploymentFailed(`wave ${wave.index} failed: ${failed.map((component) => namingComponent(component.id, component.error)).join('; ')}`);
    }
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
    if (rejected) throw (rejected as PromiseRejectedResult).reason;
    const refs = gatedRefs(wave, this.componentById, this.stack, this.environment.name);
    if (refs.length) {
      try {
        await engine.awaitHealthy({ environment: observedEnvironment(this.environment.spec), refs, timeoutMs: durationMs(this.environment.spec.rollout.healthTimeout) });
      } catch (error) {
        if (isCancellation(error)) throw error;
        wave.state = 'failed';
        throw new DeploymentFailed(`wave ${wave.index} health gate: ${describe(error)}`);
      }
    }
    wave.state = 'done';
  }

  /** Removes a component the release no longer has. */
  async remove(id: string): Promise<void> {
    // Recorded before it runs, like an apply: a rollback puts the removed component back.
    this.applied.push(id);
    await engine.removeComponent(this.task(this.previousById.get(id)!));
  }

  /** Puts back what this deployment changed, newest first: previous specs re-applied (removed components recreated), new components removed. */
  async rollBack(waves: WaveProgress[]): Promise<void> {
    for (const id of [...this.applied].reverse()) {
      const previous = this.previousById.get(id);
      if (previous) await engine.applyComponent(this.task(previous));
      else await engine.removeComponent(this.task(this.componentById.get(id)!));
      for (const wave of waves) for (const component of wave.components) if (component.id === id) component.state = 'rolled-back';
    }
  }

  private task(component: ReleasedComponent): ComponentTask {
    return { stack: this.stack, environment: this.environment, component };
  }
}

/** A component's error, named by the component once: a target's own errors already start with it. */
function namingComponent(id: string, error = ''): string {
  return error.startsWith(`${id}:`) ? error : `${id}: ${error}`;
}

/** An error as a deployment reports it: its cause's message when it has one (an activity's failure). */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : error.message;
  }
  return String(error);
}
