// From what the engine's refresh found to what people read: only fields users wrote, desired taken
// from the release's spec, secrets hidden, each with severity and likely cause; then ignore rules and
// first-seen times applied. Pure, so the rules are unit-tested.
import type { ComponentKind, KindedSpec } from '../model/schema';
import type { ResourceDrift } from '../pulumi/componentStacks';
import type { ReleasedComponent } from '../releases/releaseRecord';
import type { ComponentStatus } from '../targets/local/api';
import type { SpecField } from '../targets/driftFields';
import type { DriftRules } from '../targets/target';
import type { ComponentCheck, ComponentDriftReport, ContextField, FieldDriftReport, IgnoreRule } from '../temporal/drift';
import { fnv1a32 } from '../fnv1a';
import { classifyDeleted, classifyField, classifyStopped, combinedCause, worstSeverity } from './classify';
import { ignoringRule } from './ignore';

export const SECRET_VALUE = '(secret)';

/** How a deleted auxiliary resource (an IAM policy, the dead letter queue) shows in its field. */
export const DELETED_RESOURCE = { desired: 'exists', actual: 'deleted' } as const;

/** Key fields shown for every component of a kind, drifted or not (the mission's box shows replicas, cpu, memory). */
const CONTEXT_FIELDS: Record<ComponentKind, { field: string; specPath: string[] }[]> = {
  MicroService: [
    { field: 'replicas', specPath: ['scaling', 'replicas'] },
    { field: 'cpu', specPath: ['resources', 'cpu'] },
    { field: 'memory', specPath: ['resources', 'memory'] },
  ],
  RDS: [
    { field: 'engine', specPath: ['engine'] },
    { field: 'version', specPath: ['version'] },
  ],
  ElastiCacheRedis: [{ field: 'engine.version', specPath: ['engine', 'version'] }],
  SQS: [
    { field: 'type', specPath: ['type'] },
    { field: 'visibilityTimeoutSeconds', specPath: ['visibilityTimeoutSeconds'] },
  ],
};

export interface CheckOptions {
  /** The drift rules of the environment's target (targetFor(environment).drift). */
  rules: DriftRules;
  /** What the target says the component is doing now (a refresh reads its settings, not whether it runs). */
  status?: ComponentStatus['state'];
}

/** A deployed data component always runs (only a MicroService scales to nothing): one that is stopped has drifted. */
export const STATUS_FIELD = 'status';

/**
 * One component's check from the refresh's resource drifts. A field counts only when a user wrote
 * it (the target's resolver knows which) and its actual value differs from the release's spec; a
 * field whose recorded state was stale but whose reality matches the release is not drift. On a
 * target with an autoscaler, a replica count inside the autoscaling bounds is the autoscaler's work.
 * A deleted resource is the component deleted, unless the target reports it as one of its fields.
 */
export function componentCheck(component: ReleasedComponent, drifts: ResourceDrift[], options: CheckOptions): ComponentCheck {
  const base = { id: component.id, name: component.name, kind: component.kind };
  const { spec } = component;
  const context = CONTEXT_FIELDS[component.kind].map(({ field, specPath }) => ({ field, desired: lookup(spec, specPath) ?? null }));
  const fields = new Map<string, FieldDriftReport>();
  // Secret variables the engine wraps whole collapse into one field, and one field may be read from
  // several resources (a role and its policy): keep the first.
  const add = (specField: SpecField, desired: unknown, actual: unknown) => {
    if (!fields.has(specField.field)) fields.set(specField.field, fieldReport(specField, desired, actual));
  };
  for (const drift of drifts.filter((candidate) => candidate.kind === 'deleted')) {
    const specField = options.rules.deletedResource(component.kind, drift);
    if (!specField) return { ...base, outcome: 'deleted', fields: [], context };
    add(specField, DELETED_RESOURCE.desired, DELETED_RESOURCE.actual);
  }
  for (const drift of drifts) {
    for (const found of drift.fields) {
      const specField = options.rules.specField(component, drift, found.field);
      if (!specField) continue;
      const convert = specField.toSpec ?? ((value: unknown) => value);
      const actual = convert(found.actual);
      const desired = specField.derived ? convert(found.recorded) : lookup(spec, specField.specPath);
      if (sameValue(desired, actual)) continue;
      if (options.rules.autoscales && autoscalerWork(component, specField, actual)) continue;
      add(specField, desired, actual);
    }
  }
  if (component.kind !== 'MicroService' && options.status === 'stopped') fields.set(STATUS_FIELD, stoppedField());
  return { ...base, outcome: 'checked', fields: [...fields.values()].sort((a, b) => a.field.localeCompare(b.field)), context };
}

function fieldReport(specField: SpecField, desired: unknown, actual: unknown): FieldDriftReport {
  const { severity, cause } = classifyField(specField.specPath, { secret: specField.secret });
  return {
    field: specField.field,
    specPath: specField.specPath,
    desired: present(desired, specField),
    actual: present(actual, specField),
    severity,
    cause,
    ...(specField.secret ? { secret: true } : {}),
    ...(specField.derived ? { derived: true } : {}),
  };
}

function stoppedField(): FieldDriftReport {
  const { severity, cause } = classifyStopped();
  return { field: STATUS_FIELD, specPath: [STATUS_FIELD], desired: 'running', actual: 'stopped', severity, cause };
}

/** A check that could not run (the engine failed, the runtime did not answer). */
export function failedCheck(component: Pick<ReleasedComponent, 'id' | 'name' | 'kind'>, message: string): ComponentCheck {
  return { id: component.id, name: component.name, kind: component.kind, outcome: 'error', fields: [], context: [], error: message };
}

/** Whether a replica count is what the component's own autoscaling may set. */
export function autoscalerWork(component: KindedSpec, field: Pick<SpecField, 'specPath'>, actual: unknown): boolean {
  if (component.kind !== 'MicroService' || field.specPath.join('.') !== 'scaling.replicas' || typeof actual !== 'number') return false;
  const autoscaling = component.spec.scaling.autoscaling;
  return autoscaling !== undefined && actual >= autoscaling.minReplicas && actual <= autoscaling.maxReplicas;
}

/** The finding key of a field (or of the whole component being gone) in the drift state. */
export function findingKey(component: string, field: string | undefined): string {
  return `${component}#${field ?? '(deleted)'}`;
}

/** What a finding's actual value was, to tell a new finding (3 -> 4 replicas) from the same one. */
export function fingerprint(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** The findings of a check (drifted fields not ignored, or the deletion), as keys with fingerprints. */
export function findingsOf(check: ComponentCheck, rules: IgnoreRule[], now: Date): { key: string; fingerprint: string; field?: FieldDriftReport }[] {
  if (check.outcome === 'deleted') return [{ key: findingKey(check.name, undefined), fingerprint: 'deleted' }];
  return check.fields.filter((field) => !ignoringRule(rules, check.name, field.field, now)).map((field) => ({ key: findingKey(check.name, field.field), fingerprint: fingerprint(field.actual), field }));
}

/**
 * The report of one component: ignore rules applied (ignored fields never count, and leave the key
 * fields shown), status, worst severity, causes and when the drift was first seen.
 */
export function componentReport(check: ComponentCheck, rules: IgnoreRule[], firstSeen: Record<string, string>, now: Date, showIgnored = false): ComponentDriftReport {
  const base = { id: check.id, name: check.name, kind: check.kind };
  if (check.outcome === 'error') return { ...base, status: 'error', fields: [], context: [], error: check.error };
  if (check.outcome === 'deleted') {
    const { severity, cause } = classifyDeleted();
    const context: ContextField[] = check.context.map((item) => ({ field: item.field, desired: item.desired, actual: null, drifted: true }));
    return { ...base, status: 'deleted', severity, cause, fields: [], context, firstSeen: firstSeen[findingKey(check.name, undefined)] };
  }
  const ignored = check.fields.filter((field) => ignoringRule(rules, check.name, field.field, now));
  const kept = check.fields.filter((field) => !ignored.includes(field));
  const ignoredNames = new Set(ignored.map((field) => field.field));
  const context: ContextField[] = check.context
    .filter((item) => !ignoredNames.has(item.field))
    .map((item) => {
      const drifted = kept.find((field) => field.field === item.field);
      return drifted ? { field: item.field, desired: drifted.desired, actual: drifted.actual, drifted: true } : { field: item.field, desired: item.desired, actual: item.desired, drifted: false };
    });
  for (const field of kept) {
    if (!context.some((item) => item.field === field.field)) context.push({ field: field.field, desired: field.desired, actual: field.actual, drifted: true });
  }
  const seen = kept.map((field) => firstSeen[findingKey(check.name, field.field)]).filter((at): at is string => at !== undefined).sort();
  return {
    ...base,
    status: kept.length ? 'drifted' : 'in-sync',
    severity: worstSeverity(kept.map((field) => field.severity)),
    cause: combinedCause(kept),
    fields: kept,
    context,
    firstSeen: seen[0],
    ...(showIgnored ? { ignored } : {}),
  };
}

/** The one-line message a drift notification carries for newly found drift. */
export function driftNotificationMessage(environment: string, findings: { component: string; kind: string; field?: FieldDriftReport }[]): string {
  const parts = findings.map(({ component, kind, field }) =>
    field ? `${component} (${kind}) ${field.field} ${display(field.desired)} -> ${display(field.actual)} [${field.severity}: ${field.cause}]` : `${component} (${kind}) deleted [high: deleted outside deployer]`,
  );
  return `drift in ${environment}: ${parts.join('; ')}`;
}

/** A value as the box and messages show it: numbers and strings bare, `(not set)` when absent. */
export function display(value: unknown): string {
  if (value === undefined || value === null) return '(not set)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function present(value: unknown, field: SpecField): unknown {
  if (field.secret) return SECRET_VALUE;
  if (field.field === 'configs' && Array.isArray(value)) {
    return value.map((file) => (isRecord(file) ? `${String(file.path)} (${typeof file.content === 'string' ? checksum(file.content) : '?'})` : String(file)));
  }
  return value ?? null;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function lookup(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((current, key) => (current !== null && typeof current === 'object' ? (current as Record<string | number, unknown>)[key] : undefined), value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Enough to tell two config contents apart in a report without printing them. */
function checksum(text: string): string {
  return `fnv:${fnv1a32(text).toString(16).padStart(8, '0')}`;
}
