// The deployment workflows' contract with the worker's activities: what each activity takes and
// gives back. Plain JSON (it is in workflow history), no secrets. Workflow-safe: no Node imports.
import type { ComponentRef } from '../model/componentRef';
import type { CanarySettings, EnvironmentSpec } from '../model/schema';
import type { DesiredStack } from '../model/types';
import type { DeploymentPlan } from '../plan/buildPlan';
import type { ReleasedComponent } from '../releases/releaseRecord';
import type { ObservedEnvironment } from '../targets/target';

/** A stack in one environment. */
export interface StackInEnvironment {
  stack: string;
  environment: string;
}

/** One service of a stack in one environment. */
export interface ServiceInEnvironment extends StackInEnvironment {
  service: string;
}

export interface PlanServiceInput {
  desired: DesiredStack;
  service: string;
  /** Components updated even when their spec is unchanged (drift remediation). */
  force?: string[];
}

/** A service's plan, the hash approvals are bound to, and its last good release (the rollback point). */
export interface ServicePlan {
  plan: DeploymentPlan;
  planHash: string;
  released: ReleasedComponent[];
}

/** One component to provision, as the workflow names it (plain JSON, no secrets). */
export interface ComponentTask {
  stack: string;
  environment: { name: string; spec: EnvironmentSpec };
  component: ReleasedComponent;
  /** A canary step: `component` runs beside `stable` (the release serving now) for `weight` percent of the requests. */
  canary?: { weight: number; stable: ReleasedComponent };
  /**
   * The ids of the components applied together with this one (its wave, canaries aside): where
   * the target keeps a service's components in one stack, they are applied in one engine run.
   */
  wave?: string[];
}

export interface AppliedComponent {
  durationMs: number;
  /** Resource operations by kind (`create`, `update`, ...), as the engine counted them. */
  changes: Record<string, number>;
}

/** What the health gate waits for: every ref healthy within the timeout. */
export interface HealthGateRequest {
  environment: ObservedEnvironment;
  refs: ComponentRef[];
  timeoutMs: number;
}

export interface MonitorRequest {
  environment: ObservedEnvironment;
  refs: ComponentRef[];
  /**
   * When the window opened (epoch ms, the workflow's clock). It comes from the workflow rather than
   * from the activity's heartbeat details: the activity's input is in the workflow's history, the
   * same on every attempt, whereas heartbeat details hold only what a heartbeat got to the server
   * before the worker died, and an attempt that died first would open a fresh window of its own.
   */
  windowStartedAt: number;
  windowMs: number;
  intervalMs: number;
  thresholds: { errorRatePercent: number; p99LatencyMs: number };
}

/** One canary step to watch: the canary against the stable version from the step's start. */
export interface CanaryWatchRequest {
  environment: ObservedEnvironment;
  ref: ComponentRef;
  /** When the step began (epoch ms, the workflow's clock): every attempt judges the same window. */
  stepStartedAt: number;
  stepMs: number;
  intervalMs: number;
  analysis: CanarySettings['analysis'];
  thresholds: { errorRatePercent: number; p99LatencyMs: number };
}

export interface MonitorBreach {
  reason: string;
  errorRatePercent: number;
  p99LatencyMs: number;
  unhealthy: string[];
}

export interface RollbackTargetRequest extends ServiceInEnvironment {
  /** A version from the history; the last good release before the current one when omitted. */
  toVersion?: string;
}

/** Only what observers need travels to the health gate and the monitor, not the whole environment. */
export function observedEnvironment(spec: EnvironmentSpec): ObservedEnvironment {
  return { target: spec.target, region: spec.region, platform: spec.platform };
}
