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

/** Which service's drift state. */
export interface DriftStateKey {
  stack: string;
  environment: string;
  service: string;
}

/**
 * Where drift state is kept, one document per service (files, or PostgreSQL rows for a team). An
 * update is atomic: it sees the newest state, and two workers updating one service at once do not
 * lose each other's change; a crash leaves the state before or after it, never half of it.
 */
export interface DriftDocuments {
  read(key: DriftStateKey): Promise<ServiceDriftState>;
  update(key: DriftStateKey, change: (state: ServiceDriftState) => ServiceDriftState): Promise<ServiceDriftState>;
}

/** A stored document as state: what an older deployer wrote may lack a part. */
export function driftStateOf(stored: Partial<ServiceDriftState> | undefined): ServiceDriftState {
  return { findings: stored?.findings ?? {}, ignores: stored?.ignores ?? [] };
}

/** What the worker remembers about drift: findings (first seen, notified) and ignore rules, per service. */
export class DriftStore {
  constructor(private readonly documents: DriftDocuments) {}

  /** The rules in force now. */
  async ignores(stack: string, environment: string, service: string, now: Date): Promise<IgnoreRule[]> {
    return (await this.documents.read({ stack, environment, service })).ignores.filter((rule) => ruleActive(rule, now));
  }

  async addIgnore(stack: string, environment: string, service: string, rule: IgnoreRule, now: Date): Promise<IgnoreRule[]> {
    const state = await this.documents.update({ stack, environment, service }, (current) => ({ ...current, ignores: withRule(current.ignores, rule, now) }));
    return state.ignores;
  }

  async removeIgnore(stack: string, environment: string, service: string, component: string, field: string, now: Date): Promise<{ ignores: IgnoreRule[]; removed: boolean }> {
    let removed = false;
    const state = await this.documents.update({ stack, environment, service }, (current) => {
      const outcome = withoutRule(current.ignores, component, field, now);
      removed = outcome.removed;
      return { ...current, ignores: outcome.rules };
    });
    return { ignores: state.ignores, removed };
  }

  /** Records this run's findings; returns them all (with first-seen times and notification state). */
  async observe(stack: string, environment: string, service: string, current: { key: string; fingerprint: string }[], checkedComponents: string[], at: string): Promise<Record<string, DriftFinding>> {
    const state = await this.documents.update({ stack, environment, service }, (before) => ({ ...before, findings: mergeFindings(before.findings, current, checkedComponents, at) }));
    return state.findings;
  }

  /** Marks findings as notified, unless their value changed since (then that is a new finding to tell). */
  async markNotified(stack: string, environment: string, service: string, notified: { key: string; fingerprint: string }[], at: string): Promise<void> {
    await this.documents.update({ stack, environment, service }, (state) => {
      const findings = { ...state.findings };
      for (const { key, fingerprint } of notified) {
        const finding = findings[key];
        if (finding && finding.fingerprint === fingerprint) findings[key] = { ...finding, notifiedAt: at };
      }
      return { ...state, findings };
    });
  }
}

/**
 * Drift state on the worker's disk: `<dir>/<stack>/<environment>/<service>.json`, written whole
 * through a temporary file and a rename, so a crash leaves the previous state, never half of one.
 * Updates of one service come from one worker at a time: the file backend is one machine's.
 */
export class FileDriftDocuments implements DriftDocuments {
  constructor(private readonly dir: string) {}

  private file(key: DriftStateKey): string {
    return path.join(this.dir, key.stack, key.environment, `${key.service}.json`);
  }

  async read(key: DriftStateKey): Promise<ServiceDriftState> {
    try {
      return driftStateOf(JSON.parse(fs.readFileSync(this.file(key), 'utf8')) as Partial<ServiceDriftState>);
    } catch {
      return driftStateOf(undefined);
    }
  }

  async update(key: DriftStateKey, change: (state: ServiceDriftState) => ServiceDriftState): Promise<ServiceDriftState> {
    const state = change(await this.read(key));
    const file = this.file(key);
    ownerOnlyDir(this.dir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: OWNER_ONLY_FILE });
    fs.renameSync(temporary, file);
    return state;
  }
}
