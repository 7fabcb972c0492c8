import type { YamlPath } from './yamlFile';

/** A `${NAME}` with no value and no `:-default`. */
export interface UndefinedVariable {
  path: YamlPath;
  name: string;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Fills `${NAME}` (or `${NAME:-default}`) in every string of `value`. `$${NAME}` stays literal.
 * Returns the filled value and the variables that had no value, with where they were used.
 */
export function interpolate(value: unknown, variables: Record<string, string>, path: YamlPath = []): { value: unknown; missing: UndefinedVariable[] } {
  const missing: UndefinedVariable[] = [];
  const fill = (current: unknown, at: YamlPath): unknown => {
    if (typeof current === 'string') {
      return current.replace(/(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, escape: string, name: string, fallback: string | undefined) => {
        if (escape) return match.slice(1);
        const filled = variables[name] ?? fallback;
        if (filled === undefined) {
          missing.push({ path: at, name });
          return match;
        }
        return filled;
      });
    }
    if (Array.isArray(current)) return current.map((item, index) => fill(item, [...at, index]));
    if (current && typeof current === 'object') {
      return Object.fromEntries(Object.entries(current).map(([key, item]) => [key, fill(item, [...at, key])]));
    }
    return current;
  };
  return { value: fill(value, path), missing };
}

/** Whether a string still mentions a variable (used to skip format checks on unfilled values). */
export function mentionsVariable(text: string): boolean {
  VARIABLE.lastIndex = 0;
  return VARIABLE.test(text);
}
