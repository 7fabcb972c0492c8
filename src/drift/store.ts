import fs from 'node:fs';
import path from 'node:path';
import { OWNER_ONLY_FILE, ownerOnlyDir } from '../ownerOnly';
import type { IgnoreRule } from '../temporal/drift';
import { ruleActive, withoutRule, withRule } from './ignore';

/** One drift finding as remembered between runs: when first seen, and whether people were told. */
export interface DriftFinding {
  /** `<component>#<field>`, or `<component>#(deleted)`. */
  key: string;
  /** The actual value when first seen: a different value is a new finding. */
  fingerprint: string;
  firstSeen: string;
  lastSeen: string;
  notifiedAt?: string;
}

/** What the worker keeps per service: current findings and ignore rules. */
export interface ServiceDriftState {
  findings: Record<string, DriftFinding>;
  ignores: IgnoreRule[];
}

/**
 * Merges this run's findings into the remembered ones. A finding seen before with the same actual
 * value keeps its first-seen time and notification; a new one (or a changed value) starts fresh.
 * Findings of components checked this run that are gone are forgotten (the drift was resolved);
 * those of components whose check failed are kept, since nothing is known about them now.
 */
export function mergeFindings(previous: Record<string, DriftFinding>, current: { key: string; fingerprint: string }[], checkedComponents: string[], at: string): Record<string, DriftFinding> {
  const checked = new Set(checkedComponents);
  const merged: Record<string, DriftFinding> = {};
  for (const [key, finding] of Object.entries(previous)) {
    if (!checked.has(componentOfKey(key))) merged[key] = finding;
  }
  for (const { key, fingerprint } of current) {
    const before = previous[key];
    merged[key] = before && before.fingerprint === fingerprint ? { ...before, lastSeen: at } : { key, fingerprint, firstSeen: at, lastSeen: at };
  }
  return merged;
}

function componentOfKey(key: string): string {
  return key.slice(0, key.indexOf('#'));
}

/**
 * Drift state on the worker's disk: `<dir>/<stack>/<environment>/<service>.json`, written whole
 * through a temporary file and a rename, so a crash leaves the previous state, never half of one.
 */
export class FileDriftStore {
  constructor(private readonly dir: string) {}

  private file(stack: string, environment: string, service: string): string {
    return path.join(this.dir, stack, environment, `${service}.json`);
  }

  read(stack: string, environment: string, service: string): ServiceDriftState {
    try {
      const state = JSON.parse(fs.readFileSync(this.file(stack, environment, service), 'utf8')) as Partial<ServiceDriftState>;
      return { findings: state.findings ?? {}, ignores: state.ignores ?? [] };
    } catch {
      return { findings: {}, ignores: [] };
    }
  }

  private write(stack: string, environment: string, service: string, state: ServiceDriftState): void {
    const file = this.file(stack, environment, service);
    ownerOnlyDir(this.dir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: OWNER_ONLY_FILE });
    fs.renameSync(temporary, file);
  }

  /** The rules in force now. */
  ignores(stack: string, environment: string, service: string, now: Date): IgnoreRule[] {
    return this.read(stack, environment, service).ignores.filter((rule) => ruleActive(rule, now));
  }

  addIgnore(stack: string, environment: string, service: string, rule: IgnoreRule, now: Date): IgnoreRule[] {
    const state = this.read(stack, environment, service);
    state.ignores = withRule(state.ignores, rule, now);
    this.write(stack, environment, service, state);
    return state.ignores;
  }

  removeIgnore(stack: string, environment: string, service: string, component: string, field: string, now: Date): { ignores: IgnoreRule[]; removed: boolean } {
    const state = this.read(stack, environment, service);
    const { rules, removed } = withoutRule(state.ignores, component, field, now);
    state.ignores = rules;
    this.write(stack, environment, service, state);
    return { ignores: rules, removed };
  }

  /** Records this run's findings; returns them all (with first-seen times and notification state). */
  observe(stack: string, environment: string, service: string, current: { key: string; fingerprint: string }[], checkedComponents: string[], at: string): Record<string, DriftFinding> {
    const state = this.read(stack, environment, service);
    state.findings = mergeFindings(state.findings, current, checkedComponents, at);
    this.write(stack, environment, service, state);
    return state.findings;
  }

  /** Marks findings as notified, unless their value changed since (then that is a new finding to tell). */
  markNotified(stack: string, environment: string, service: string, notified: { key: string; fingerprint: string }[], at: string): void {
    const state = this.read(stack, environment, service);
    for (const { key, fingerprint } of notified) {
      const finding = state.findings[key];
      if (finding && finding.fingerprint === fingerprint) finding.notifiedAt = at;
    }
    this.write(stack, environment, service, state);
  }
}
