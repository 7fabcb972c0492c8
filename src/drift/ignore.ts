// Ignore rules: which drifted fields `deployer drift ignore` silences, and until when. Pure.
import { durationMs } from '../model/duration';
import type { IgnoreRule } from '../temporal/drift';

/** A rule names a field exactly or a prefix of it: `environment` silences `environment.LOG_LEVEL`. */
export function fieldMatches(ruleField: string, field: string): boolean {
  return field === ruleField || field.startsWith(`${ruleField}.`);
}

/** Whether the rule is in force at `now` (no `until`, or `until` still ahead). */
export function ruleActive(rule: IgnoreRule, now: Date): boolean {
  return rule.until === undefined || Date.parse(rule.until) > now.getTime();
}

/** The active rule silencing a component's field, if any. */
export function ignoringRule(rules: IgnoreRule[], component: string, field: string, now: Date): IgnoreRule | undefined {
  return rules.find((rule) => rule.component === component && fieldMatches(rule.field, field) && ruleActive(rule, now));
}

/**
 * `--until` as an ISO time: a date (`2026-03-01`: until that day starts, UTC), a time with zone
 * (`2026-03-01T09:00:00Z`), or a duration from now (`12h`, `7d`). It must lie ahead.
 */
export function parseUntil(text: string, now: Date): string {
  const trimmed = text.trim();
  let at: number;
  if (/^\d+(s|m|h|d)$/.test(trimmed)) at = now.getTime() + durationMs(trimmed);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) at = Date.parse(`${trimmed}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) at = Date.parse(trimmed);
  else throw new Error(`--until "${text}" is not a date (2026-03-01), a time (2026-03-01T09:00:00Z) or a duration from now (12h, 7d)`);
  if (Number.isNaN(at)) throw new Error(`--until "${text}" is not a valid date`);
  if (at <= now.getTime()) throw new Error(`--until ${text} is not in the future`);
  return new Date(at).toISOString();
}

/** Adds a rule, replacing one for the same component and field; expired rules are dropped. */
export function withRule(rules: IgnoreRule[], rule: IgnoreRule, now: Date): IgnoreRule[] {
  return [...rules.filter((existing) => ruleActive(existing, now) && !(existing.component === rule.component && existing.field === rule.field)), rule].sort(byComponentAndField);
}

export function withoutRule(rules: IgnoreRule[], component: string, field: string, now: Date): { rules: IgnoreRule[]; removed: boolean } {
  const kept = rules.filter((rule) => ruleActive(rule, now) && !(rule.component === component && rule.field === field));
  return { rules: kept, removed: kept.length < rules.filter((rule) => ruleActive(rule, now)).length };
}

function byComponentAndField(a: IgnoreRule, b: IgnoreRule): number {
  return a.component.localeCompare(b.component) || a.field.localeCompare(b.field);
}
