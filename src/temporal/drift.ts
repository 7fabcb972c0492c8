// The drift workflows' contract with their clients (CLI, the Temporal Schedule) and the worker:
// names, ids, inputs and reports. Workflow-safe: no Node imports.
import type { ComponentKind, EnvironmentSpec } from '../model/schema';
import type { ReleasedComponent } from '../releases/releaseRecord';
import type { DeploymentPhase } from './deployment';

export const DETECT_DRIFT_WORKFLOW = 'detectDrift';
export const REMEDIATE_DRIFT_WORKFLOW = 'remediateDrift';
export const IGNORE_DRIFT_WORKFLOW = 'ignoreDrift';

/** The Temporal Schedule that runs detectDrift for a stack in an environment (created/updated by every successful deployment). */
export function driftScheduleId(stack: string, environment: string): string {
  return `drift/${stack}/${environment}`;
}

/** A detection started from the CLI; `*` when it covers every service of the stack. */
export function detectDriftWorkflowId(stack: string, environment: string, service: string | undefined, at: Date): string {
  return `drift-detect/${stack}/${environment}/${service ?? '*'}/${at.toISOString()}`;
}

export function remediateDriftWorkflowId(stack: string, environment: string, service: string, at: Date): string {
  return `drift-remediate/${stack}/${environment}/${service}/${at.toISOString()}`;
}

export function ignoreDriftWorkflowId(stack: string, environment: string, service: string, at: Date): string {
  return `drift-ignore/${stack}/${environment}/${service}/${at.toISOString()}`;
}

export type DriftSeverity = 'high' | 'medium' | 'low';

/** One field whose actual value differs from the desired one (the last good release's spec). */
export interface FieldDriftReport {
  /** As users name it: `replicas`, `cpu`, `environment.LOG_LEVEL` (what `drift ignore --field` takes). */
  field: string;
  /** Where it lives in the component's spec: `scaling.replicas`, `environment[0].value`. */
  specPath: (string | number)[];
  /** Values as shown; secrets are `(secret)`, never their value. */
  desired: unknown;
  actual: unknown;
  severity: DriftSeverity;
  /** Likely cause, for people: "Manual scaling outside deployer (console / deployer local scale)". */
  cause: string;
  secret?: boolean;
  /** Not written in the spec (a security setting deployer always applies, a valueFrom value): desired is what the release recorded. */
  derived?: boolean;
}

/** A key field of the component shown in the report (drifted or not), desired next to actual. */
export interface ContextField {
  field: string;
  desired: unknown;
  actual: unknown;
  drifted: boolean;
}

/** A field silenced with `deployer drift ignore`, optionally until a moment. */
export interface IgnoreRule {
  /** Component name inside the service (`api`). */
  component: string;
  /** Field as reports name it; a prefix (`environment`) silences every field under it. */
  field: string;
  /** ISO time after which the rule no longer applies. */
  until?: string;
  reason?: string;
  by: string;
  at: string;
}

/** What the worker found for one component, before ignores and finding state are applied. */
export interface ComponentCheck {
  id: string;
  name: string;
  kind: ComponentKind;
  /** `error`: the check itself failed (the message says why); nothing is known about drift then. */
  outcome: 'checked' | 'deleted' | 'error';
  fields: FieldDriftReport[];
  /** Key fields of the kind with their desired values (replicas, cpu, memory for a MicroService). */
  context: { field: string; desired: unknown }[];
  error?: string;
}

export type ComponentDriftStatus = 'in-sync' | 'drifted' | 'deleted' | 'error';

export interface ComponentDriftReport {
  id: string;
  name: string;
  kind: ComponentKind;
  status: ComponentDriftStatus;
  /** The worst severity of its drifted fields (high when deleted). */
  severity?: DriftSeverity;
  cause?: string;
  fields: FieldDriftReport[];
  context: ContextField[];
  /** When this drift was first seen (the earliest of its fields), as ISO time. */
  firstSeen?: string;
  error?: string;
  /** Drifted fields that an ignore rule silences; only with showIgnored. */
  ignored?: FieldDriftReport[];
}

export interface ServiceDriftReport {
  service: string;
  /** `not-deployed`: no successful release to compare with; `skipped`: a deployment of it is running. */
  status: 'checked' | 'not-deployed' | 'skipped';
  reason?: string;
  /** The release compared against: what deployer last deployed successfully. */
  release?: { version: string; finishedAt: string; deployedBy: string; workflowId?: string };
  components: ComponentDriftReport[];
  /** The service's active ignore rules; only with showIgnored. */
  ignores?: IgnoreRule[];
}

/** A service to check: its last good release, or why it is not checked (the driftTargets activity's answer). */
export interface DriftTarget {
  service: string;
  status: 'check' | 'not-deployed' | 'skipped';
  reason?: string;
  release?: { version: string; finishedAt: string; deployedBy: string; workflowId?: string };
  environmentSpec?: EnvironmentSpec;
  channel?: string;
  components: ReleasedComponent[];
}

export interface DetectDriftInput {
  stack: string;
  environment: string;
  /** One service; every service with a release in the stack and environment when omitted. */
  service?: string;
  trigger: 'schedule' | 'cli' | 'remediate';
  requestedBy?: string;
  /** Include ignored fields and the ignore rules in the report (`drift detect --show-ignored`). */
  showIgnored?: boolean;
  /** Notify new findings (default true). */
  notify?: boolean;
}

export interface DetectDriftResult {
  stack: string;
  environment: string;
  service?: string;
  checkedAt: string;
  trigger: DetectDriftInput['trigger'];
  /** Whether any component drifted or was deleted (ignored fields do not count). */
  drifted: boolean;
  services: ServiceDriftReport[];
  /** Findings this run notified (each finding is notified once, when first seen). */
  notified: number;
}

export interface RemediateDriftInput {
  stack: string;
  environment: string;
  service: string;
  requestedBy: string;
  reason?: string;
}

export interface RemediateDriftResult {
  /** The remediating deployment's phase; `no-drift` when there was nothing to restore. */
  phase: DeploymentPhase | 'no-drift';
  reason?: string;
  /** The deployService workflow that restored the components (the service's lock while it ran). */
  workflowId?: string;
  version?: string;
  /** Component ids re-applied. */
  remediated: string[];
  before: ServiceDriftReport;
  /** A detection after the deployment: what still differs (nothing, normally). */
  after?: ServiceDriftReport;
}

export interface IgnoreDriftInput {
  stack: string;
  environment: string;
  service: string;
  component: string;
  field: string;
  until?: string;
  reason?: string;
  by: string;
  /** Remove the rule instead of adding it. */
  remove?: boolean;
}

export interface IgnoreDriftResult {
  /** The service's active rules after the change. */
  ignores: IgnoreRule[];
  /** With remove: whether a rule was removed. */
  removed?: boolean;
}

// What the drift workflows and the worker's drift activities pass each other.

/** What to check: one service, or every service released in the stack and environment. */
export interface DriftTargetsInput {
  stack: string;
  environment: string;
  service?: string;
}

/** A new finding to notify: which component, and the field (none: the component is gone). */
export interface NewFinding {
  key: string;
  fingerprint: string;
  component: string;
  kind: string;
  field?: FieldDriftReport;
}

export interface RecordDriftChecksInput {
  stack: string;
  environment: string;
  service: string;
  checks: ComponentCheck[];
  at: string;
  showIgnored?: boolean;
}

/** The report per component (with first-seen times) and the findings nobody was told about yet. */
export interface RecordedDriftChecks {
  components: ComponentDriftReport[];
  ignores?: IgnoreRule[];
  unnotified: NewFinding[];
}

export interface MarkDriftNotifiedInput {
  stack: string;
  environment: string;
  service: string;
  findings: { key: string; fingerprint: string }[];
  at: string;
}

export interface DriftScheduleRequest {
  stack: string;
  environment: string;
  drift: EnvironmentSpec['drift'];
}

export interface DriftScheduleResult {
  scheduleId: string;
  created: boolean;
}
