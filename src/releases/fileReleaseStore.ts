import fs from 'node:fs';
import path from 'node:path';
import { OWNER_ONLY_FILE, ownerOnlyDir } from '../ownerOnly';
import type { ReleasedComponent, ReleaseRecord } from './releaseRecord';
import { releasesToKeep, retainedReleases } from './retention';

/**
 * Release log on the local disk: one JSON-lines file per stack/environment/service, appended to,
 * so a crash mid-write loses at most the line being written. Past `keep` records it is pruned (see
 * retainedReleases) by writing the kept ones to a new file that replaces the old one in one rename.
 */
export class FileReleaseStore {
  constructor(
    private readonly dir: string,
    private readonly keep: number = releasesToKeep(),
  ) {}

  private file(stack: string, environment: string, service: string): string {
    return path.join(this.dir, stack, environment, `${service}.jsonl`);
  }

  append(record: ReleaseRecord): void {
    const file = this.file(record.stack, record.environment, record.service);
    // Records carry every component's spec and config files.
    ownerOnlyDir(this.dir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: OWNER_ONLY_FILE });
    this.prune(record.stack, record.environment, record.service);
  }

  /** Appends to one service's log come one at a time: the service's lock serializes its deployments. */
  private prune(stack: string, environment: string, service: string): void {
    const history = this.history(stack, environment, service);
    if (history.length <= this.keep) return;
    const kept = retainedReleases(history, this.keep);
    if (kept.length === history.length) return;
    const file = this.file(stack, environment, service);
    const replacement = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(replacement, kept.reverse().map((record) => `${JSON.stringify(record)}\n`).join(''), { mode: OWNER_ONLY_FILE });
    fs.renameSync(replacement, file);
  }

  /** Newest first. */
  history(stack: string, environment: string, service: string): ReleaseRecord[] {
    const file = this.file(stack, environment, service);
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as ReleaseRecord];
        } catch {
          return []; // a torn last line from a crash
        }
      })
      .reverse();
  }

  /** Services with a release log in a stack and environment, sorted. */
  services(stack: string, environment: string): string[] {
    const dir = path.join(this.dir, stack, environment);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => name.slice(0, -'.jsonl'.length))
      .sort();
  }

  /** The components as last successfully deployed (empty for a service never deployed). */
  released(stack: string, environment: string, service: string): ReleasedComponent[] {
    return this.history(stack, environment, service).find((record) => record.result === 'succeeded')?.components ?? [];
  }
}
