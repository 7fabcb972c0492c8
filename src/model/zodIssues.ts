import type { z } from 'zod';
import { didYouMean } from './diagnostics';
import type { Diagnostic } from './diagnostics';
import { formatPath, YamlFile, YamlPath } from './yamlFile';


type Issue = z.core.$ZodIssue & { input?: unknown };

/** Where a validated value was written: the file, and its path inside that file. */
export type Origin = (path: YamlPath) => { file: YamlFile; path: YamlPath };

/**
 * Turns zod's issues into diagnostics that say what is wrong and what to do. `origin` maps a path
 * of the validated value to the file it was written in (a MicroService spec merges several).
 */
export function issuesToDiagnostics(issues: Issue[], schema: z.ZodType, origin: Origin): Diagnostic[] {
  return issues.flatMap((issue) => {
    const { file, path } = origin(issue.path as YamlPath);
    const field = String(path[path.length - 1] ?? '');
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = objectKeysAt(schema, issue.path as YamlPath);
        return issue.keys.map((key) => {
          const suggestion = didYouMean(key, known);
          const hint = suggestion ? `Did you mean "${suggestion}"?` : `Known fields here: ${known.join(', ')}.`;
          const at = origin([...(issue.path as YamlPath), key]);
          return at.file.diagnostic(at.path, `unknown field "${key}"`, hint, { key: true });
        });
      }
      case 'invalid_type':
        if (issue.input === undefined) {
          return [file.diagnostic(path, `missing required field "${field}"`, `Add "${field}" (${issue.expected}) to ${formatPath(path.slice(0, -1)) || 'the document'}.`)];
        }
        return [file.diagnostic(path, `"${field}" must be ${article(issue.expected)} ${issue.expected}, not ${describe(issue.input)}`)];
      case 'invalid_value': {
        const allowed = issue.values.map(String);
        const suggestion = typeof issue.input === 'string' ? didYouMean(issue.input, allowed) : undefined;
        const message = `"${field}" is ${JSON.stringify(issue.input)}; it must be ${allowed.length === 1 ? JSON.stringify(allowed[0]) : `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`}`;
        return [file.diagnostic(path, message, suggestion ? `Did you mean "${suggestion}"?` : undefined)];
      }
      case 'invalid_union':
        if (path.includes('environment')) {
          return [file.diagnostic(path, 'environment entry must have "name" and exactly one of "value", "valueFrom" or "secretFrom"', 'Example: { name: CACHE_HOST, valueFrom: { component: notification-service/cache, output: endpoint } }')];
        }
        return [file.diagnostic(path, `"${field}" does not match any accepted form`)];
      default:
        return [file.diagnostic(path, `"${field}" ${issue.message}`)];
    }
  });
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

/** The fields an object schema accepts at `path` (for "did you mean"). */
export function objectKeysAt(schema: z.ZodType, path: YamlPath): string[] {
  const candidates = resolve(schema, path);
  return [...new Set(candidates.flatMap((candidate) => Object.keys(unwrap(candidate).shape ?? {})))].sort();
}

function resolve(schema: z.ZodType, path: YamlPath): z.ZodType[] {
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  const def = unwrap(schema);
  if (def.type === 'union') return (def.options ?? []).flatMap((option) => resolve(option, path));
  if (def.type === 'object' && typeof head === 'string' && def.shape?.[head]) return resolve(def.shape[head], rest);
  if (def.type === 'array' && typeof head === 'number' && def.element) return resolve(def.element, rest);
  if (def.type === 'record' && def.valueType) return resolve(def.valueType, rest);
  return [];
}

function unwrap(schema: z.ZodType): Def {
  let def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  while (def.innerType || (def.type === 'pipe' && def.in)) {
    const next = def.innerType ?? def.in!;
    def = (next as unknown as { _zod: { def: Def } })._zod.def;
  }
  return def;
}
