import { parse } from 'yaml';
import type { ConfigFile } from '../model/types';
import { SECRET_NAME } from '../model/secrets';
import type { FieldChange } from './fieldChange';

/** More changed keys than this in one file are counted, not listed: a plan is read before it is approved. */
export const MAX_KEYS_LISTED = 6;
/** Values longer than this are shortened: the key and the fact it changed matter more than a long text. */
const MAX_VALUE_LENGTH = 40;
const HIDDEN = '(hidden)';

/**
 * What changed in one config file, as plan fields: `app.yaml email.maxRetries: 3 → 5` for each
 * changed key of a YAML or JSON mapping (values under secret-looking keys hidden, as environment
 * variables are), else the file's size in lines. What a reviewer approves is the change, not a hash.
 */
export function configFileChanges(before: ConfigFile | undefined, after: ConfigFile | undefined): FieldChange[] {
  const file = (after ?? before)!.path;
  if (!before || !after) return [{ field: `config ${file}`, before: before && lineCount(before.content), after: after && lineCount(after.content) }];
  const was = mapping(before.content);
  const now = mapping(after.content);
  if (!was || !now) return [{ field: `config ${file}`, before: lineCount(before.content), after: lineCount(after.content) }];
  const keys = changedKeys(was, now);
  const listed = keys.slice(0, MAX_KEYS_LISTED).map((key) => ({ field: `${file} ${key}`, before: shown(key, lookup(was, key)), after: shown(key, lookup(now, key)) }));
  const unlisted = keys.length - listed.length;
  return unlisted > 0 ? [...listed, { field: `${file}`, summary: `${unlisted} more key${unlisted === 1 ? '' : 's'} changed` }] : listed;
}

function mapping(content: string | undefined): Record<string, unknown> | undefined {
  if (content === undefined) return undefined;
  try {
    const value: unknown = parse(content);
    return isMapping(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  if (isMapping(before) && isMapping(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => changedKeys(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
}

function lookup(value: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((current, part) => (isMapping(current) ? current[part] : undefined), value);
}

function shown(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (SECRET_NAME.test(key)) return HIDDEN;
  // A connection string carries its password whatever its key is called (`dsn`, `url`).
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/(\w+:\/\/[^:/@\s]*):[^@/\s]*@/g, `$1:${HIDDEN}@`);
  return [...text].length > MAX_VALUE_LENGTH ? `${[...text].slice(0, MAX_VALUE_LENGTH - 1).join('')}…` : text;
}

function lineCount(content: string | undefined): string {
  if (content === undefined) return 'a file';
  const lines = content.split('\n').length - (content.endsWith('\n') ? 1 : 0);
  return `${lines} line${lines === 1 ? '' : 's'}`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
