import { EngineEvent } from '@pulumi/pulumi/automation';

/** A field whose recorded value differs from the value really found. */
export interface FieldDrift {
  field: string;
  recorded: unknown;
  actual: unknown;
}

/** One resource that differs between the recorded state and what really exists. */
export interface ResourceDrift {
  urn: string;
  type: string;
  name: string;
  /** `deleted`: the resource no longer exists; `changed`: some of its fields differ. */
  kind: 'deleted' | 'changed';
  fields: FieldDrift[];
}

// Dynamic providers keep their own serialized code in state under this key; it is not user data.
const INTERNAL_KEYS = new Set(['__provider']);

/**
 * Turns one refresh engine event into a drift finding, or undefined when the resource is unchanged.
 * The engine reports a refreshed resource with its recorded (`old`) and found (`new`) state; a
 * resource that no longer exists comes back without `new`.
 */
export function diffRefreshEvent(event: EngineEvent): ResourceDrift | undefined {
  const metadata = event.resOutputsEvent?.metadata;
  if (!metadata || !metadata.old) return undefined;
  if (metadata.type === 'pulumi:pulumi:Stack' || metadata.type.startsWith('pulumi:providers:')) return undefined;
  const found = !metadata.new || metadata.op === 'delete' ? undefined : (metadata.new.outputs ?? {});
  return resourceDrift(metadata.urn, metadata.type, metadata.old.outputs ?? {}, found);
}

/**
 * A resource's recorded outputs against those found by reading it (undefined: it no longer exists),
 * as a drift finding, or undefined when they are the same. The engine's refresh and a read without
 * the engine (the local target's) both come through here, so they report alike.
 */
export function resourceDrift(urn: string, type: string, recorded: Record<string, unknown>, found: Record<string, unknown> | undefined): ResourceDrift | undefined {
  const name = urn.split('::').pop() ?? urn;
  if (!found) return { urn, type, name, kind: 'deleted', fields: [] };
  const fields = diffObjects(recorded, found);
  return fields.length ? { urn, type, name, kind: 'changed', fields } : undefined;
}

function diffObjects(recorded: Record<string, unknown>, actual: Record<string, unknown>, prefix = ''): FieldDrift[] {
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(actual)])].filter((key) => !INTERNAL_KEYS.has(key)).sort();
  return keys.flatMap((key) => {
    const field = prefix ? `${prefix}.${key}` : key;
    const before = recorded[key];
    const after = actual[key];
    if (isPlainObject(before) && isPlainObject(after)) return diffObjects(before, after, field);
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ field, recorded: before, actual: after }];
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
