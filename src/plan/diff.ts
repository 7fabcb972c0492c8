import { parseImage } from '../model/specChecks';
import type { CanarySettings, ComponentKind, EnvironmentVariable } from '../model/schema';
import { SECRET_NAME } from '../model/secrets';
import type { DesiredComponent } from '../model/types';
import type { ReleasedComponent } from '../releases/releaseRecord';
import { configFileChanges } from './configDiff';
import type { FieldChange } from './fieldChange';
import { describeReplacements, Replacement, replacementsOf } from './replacements';

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'unchanged';

/** What kind of change an update is; decides how it rolls out (a config change restarts, no new image). */
export type ChangeClass = 'image' | 'config' | 'scaling' | 'resources' | 'environment' | 'health' | 'settings';

export type { FieldChange } from './fieldChange';

export interface ComponentChange {
  id: string;
  kind: ComponentKind;
  action: ChangeAction;
  classes: ChangeClass[];
  fields: FieldChange[];
  /** Environment variable names added, removed and changed (values of secrets never shown). */
  environment?: { added: string[]; removed: string[]; changed: string[] };
  /** Why the component must be replaced rather than updated in place. */
  replaceReason?: string;
  /** Resources the change replaces or deletes, by the provider's rules (replacements.ts). */
  replacements?: Replacement[];
  /** A MicroService update that goes out as a canary: its steps (canaryOf). */
  canary?: CanarySettings['steps'];
}

const SECRET = '(secret)';


/** Compares what is released with what is desired, field by field. */
export function diffComponent(before: ReleasedComponent | undefined, after: DesiredComponent | undefined): ComponentChange {
  if (!before && !after) throw new Error('diffComponent needs a released or a desired component');
  const id = (after ?? before)!.id;
  const kind = (after ?? before)!.kind;
  if (!before) return { id, kind, action: 'create', classes: [], fields: [] };
  if (!after) return { id, kind, action: 'delete', classes: [], fields: [] };
  // A release recorded before platform references were kept has none: nothing to compare them with.
  const platformChanged = before.platform !== undefined && JSON.stringify(before.platform) !== JSON.stringify(after.platform ?? {});
  if (before.specHash === after.specHash && !platformChanged) return { id, kind, action: 'unchanged', classes: [], fields: [] };

  // The platform references as if a field of the spec (platform.kmsKeyArn): a plan names the change.
  const beforeSpec: Record<string, unknown> = { ...before.spec, ...(platformChanged ? { platform: before.platform } : {}) };
  const afterSpec: Record<string, unknown> = { ...after.spec, ...(platformChanged ? { platform: after.platform ?? {} } : {}) };
  const fields: FieldChange[] = [];
  const classes = new Set<ChangeClass>();
  let environment: ComponentChange['environment'];

  for (const field of changedPaths(withoutEnvironment(beforeSpec), withoutEnvironment(afterSpec))) {
    classes.add(classify(field));
    fields.push(field === 'image' ? imageChange(String(beforeSpec.image), String(afterSpec.image)) : { field, before: show(lookup(beforeSpec, field)), after: show(lookup(afterSpec, field)) });
  }
  if (kind === 'MicroService') {
    environment = diffEnvironment((beforeSpec.environment ?? []) as EnvironmentVariable[], (afterSpec.environment ?? []) as EnvironmentVariable[]);
    if (environment.added.length || environment.removed.length || environment.changed.length) classes.add('environment');
    else environment = undefined;
    const beforeConfigs = new Map(before.configs.map((config) => [config.mountPath, config]));
    const afterConfigs = new Map(after.configs.map((config) => [config.mountPath, config]));
    for (const mountPath of new Set([...beforeConfigs.keys(), ...afterConfigs.keys()])) {
      const was = beforeConfigs.get(mountPath);
      const now = afterConfigs.get(mountPath);
      if (was?.sha256 === now?.sha256) continue;
      classes.add('config');
      fields.push(...configFileChanges(was, now));
    }
  }
  const replacements = replacementsOf(kind, fields.map((change) => change.field), beforeSpec, afterSpec);
  const losing = replacements.filter((replacement) => replacement.losesData);
  return {
    id,
    kind,
    action: losing.length ? 'replace' : 'update',
    classes: [...classes].sort(),
    fields,
    environment,
    replaceReason: replacements.length ? describeReplacements(replacements) : undefined,
    ...(replacements.length ? { replacements } : {}),
  };
}

function withoutEnvironment(spec: Record<string, unknown>): Record<string, unknown> {
  const { environment: _environment, ...rest } = spec;
  return rest;
}

function classify(field: string): ChangeClass {
  if (field === 'image') return 'image';
  if (field.startsWith('scaling')) return 'scaling';
  if (field.startsWith('resources')) return 'resources';
  if (field.startsWith('healthCheck')) return 'health';
  return 'settings';
}

function imageChange(before: string, after: string): FieldChange {
  const was = parseImage(before);
  const now = parseImage(after);
  // Same repository: the tag is what a reader cares about (v1.1.0 → v1.2.0).
  if (was && now && was.repository === now.repository && was.registry === now.registry) {
    return { field: 'image', before: was.tag ?? was.digest, after: now.tag ?? now.digest };
  }
  return { field: 'image', before, after };
}

function diffEnvironment(before: EnvironmentVariable[], after: EnvironmentVariable[]) {
  const was = new Map(before.map((variable) => [variable.name, variable]));
  const now = new Map(after.map((variable) => [variable.name, variable]));
  return {
    added: [...now.keys()].filter((name) => !was.has(name)),
    removed: [...was.keys()].filter((name) => !now.has(name)),
    changed: [...now.keys()].filter((name) => was.has(name) && JSON.stringify(was.get(name)) !== JSON.stringify(now.get(name))),
  };
}

/** How an environment variable's value is shown in plans: secrets never in clear. */
export function showVariable(variable: EnvironmentVariable): string {
  if ('secretFrom' in variable) return SECRET;
  if ('valueFrom' in variable) return `from ${variable.valueFrom.component}.${variable.valueFrom.output}`;
  return SECRET_NAME.test(variable.name) ? SECRET : variable.value;
}

function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isMapping(before) && isMapping(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
}

function lookup(value: Record<string, unknown>, field: string): unknown {
  return field.split('.').reduce<unknown>((current, key) => (isMapping(current) ? current[key] : undefined), value);
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
