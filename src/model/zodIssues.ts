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
  // A misspelled required field (`imgae`) is one mistake: report it once, as the unknown field with
  // its "did you mean", and not also as the field it was meant to be going missing.
  const misspelled = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = objectKeysAt(schema, issue.path as YamlPath);
    for (const key of issue.keys) {
      const suggestion = didYouMean(key, known);
      if (suggestion) misspelled.add(formatPath([...(issue.path as YamlPath), suggestion]));
    }
  }
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
          if (misspelled.has(formatPath(issue.path as YamlPath))) return [];
          return [file.diagnostic(path, `missing required field "${field}"`, `Add "${field}" (${issue.expected}) to ${formatPath(path.slice(0, -1)) || 'the document'}.`)];
        }
        return [file.diagnostic(path, `"${field}" must be ${article(issue.expected)} ${issue.expected}, not ${describe(issue.input)}`)];
      case 'invalid_value': {
        const allowed = issue.values.map(String);
        const suggestion = typeof issue.input === 'string' ? didYouMean(issue.input, allowed) : undefined;
        const message = `"${field}" is ${JSON.stringify(issue.input)}; it must be ${allowed.length === 1 ? JSON.stringify(allowed[0]) : `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`}`;
        return [file.diagnostic(path, message, suggestion ? `Did you mean "${suggestion}"?` : undefined)];
      }
      case 'invalid_union': {
        // When exactly one alternative has the entry's shape (no unknown or missing field at its
        // top level), that is the one the author meant: report its problems, where they are,
        // instead of "does not match any accepted form" for the whole entry.
        const fitting = issue.errors.filter((alternative) => !alternative.some(isShapeMismatch));
        if (fitting.length === 1) {
          return issuesToDiagnostics(fitting[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })), schema, origin);
        }
        if (path.includes('environment')) {
          return [file.diagnostic(path, 'environment entry must have "name" and exactly one of "value", "valueFrom" or "secretFrom"', 'Example: { name: CACHE_HOST, valueFrom: { component: notification-service/cache, output: endpoint } }')];
        }
        return [file.diagnostic(path, `"${field}" does not match any accepted form`)];
      }
      // zod's own wording ("Too big: expected number to be <=65535") reads poorly after a field name.
      case 'too_big':
      case 'too_small': {
        const limit = describeLimit(issue);
        if (limit) return [file.diagnostic(path, `"${field}" must ${limit}`)];
        return [file.diagnostic(path, `"${field}" ${issue.message}`)];
      }
      case 'invalid_format':
        if (issue.format === 'starts_with' && 'prefix' in issue) return [file.diagnostic(path, `"${field}" must start with ${JSON.stringify(issue.prefix)}`)];
        return [file.diagnostic(path, `"${field}" ${issue.message}`)];
      // Our own checks (a duration's range) say in params.hint why the rule is there.
      case 'custom':
        return [file.diagnostic(path, `"${field}" ${issue.message}`, typeof issue.params?.hint === 'string' ? issue.params.hint : undefined)];
      default:
        return [file.diagnostic(path, `"${field}" ${issue.message}`)];
    }
  });
}

/** An alternative of a union that the value does not even have the fields of. */
function isShapeMismatch(issue: Issue): boolean {
  return (issue.code === 'unrecognized_keys' && issue.path.length === 0) || (issue.code === 'invalid_type' && issue.input === undefined && issue.path.length === 1);
}

function describeLimit(issue: Issue & { code: 'too_big' | 'too_small' }): string | undefined {
  const big = issue.code === 'too_big';
  const bound = Number(big ? issue.maximum : issue.minimum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'number':
    case 'int':
      return `be ${big ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'greater than'} ${bound}`;
    case 'string':
      if (!big && bound === 1) return 'not be empty';
      return `be ${big ? 'at most' : 'at least'} ${bound} character${bound === 1 ? '' : 's'} long`;
    case 'array':
      return `have ${big ? 'at most' : 'at least'} ${bound} item${bound === 1 ? '' : 's'}`;
    default:
      return undefined;
  }
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
