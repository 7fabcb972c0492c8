import fs from 'node:fs';
import path from 'node:path';
import { OWNER_ONLY_FILE, ownerOnlyDir } from '../ownerOnly';
import type { ReleaseLog } from './releaseLog';
import type { ReleaseRecord, ReleaseResult } from './releaseRecord';
import { releasesToKeep, retainedReleases } from './retention';

/**
 * Release log on the local disk: one JSON-lines file per stack/environment/service, appended to,
 * so a crash mid-write loses at most the line being written. Past `keep` records it is pruned (see
 * retainedReleases) by writing the kept ones to a new file that replaces the old one in one rename.
 */
export class FileReleaseStore implements ReleaseLog {
  constructor(
    private readonly dir: string,
    private readonly keep: number = releasesToKeep(),
  ) {}

  private file(stack: string, environment: string, service: string): string {
    return path.join(this.dir, stack, environment, `${service}.jsonl`);
  }

  async append(record: ReleaseRecord): Promise<void> {
    const line = JSON.stringify(record);
    const history = this.read(record.stack, record.environment, record.service);
    // A retried append (the worker died before reporting it done) finds its record already there.
    if (history.some((existing) => JSON.stringify(existing) === line)) return;
    const file = this.file(record.stack, record.environment, record.service);
    // Records carry every component's spec and config files.
    ownerOnlyDir(this.dir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${line}\n`, { mode: OWNER_ONLY_FILE });
    this.prune(record, [record, ...history]);
  }

  /** Appends to one service's log come one at a time: the service's lock serializes its deployments. */
  private prune(key: ReleaseRecord, history: ReleaseRecord[]): void {
    if (history.length <= this.keep) return;
    const kept = retainedReleases(history, this.keep);
    if (kept.length === history.length) return;
    const file = this.file(key.stack, key.environment, key.service);
    const replacement = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(replacement, kept.reverse().map((record) => `${JSON.stringify(record)}\n`).join(''), { mode: OWNER_ONLY_FILE });
    fs.renameSync(replacement, file);
  }

  async history(stack: string, environment: string, service: string, limit?: number): Promise<ReleaseRecord[]> {
    const history = this.read(stack, environment, service);
    return limit === undefined ? history : history.slice(0, limit);
  }

  async latest(stack: string, environment: string, service: string, results: readonly ReleaseResult[]): Promise<ReleaseRecord | undefined> {
    return this.read(stack, environment, service).find((record) => results.includes(record.result));
  }

  async services(stack: string, environment: string): Promise<string[]> {
    const dir = path.join(this.dir, stack, environment);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => name.slice(0, -'.jsonl'.length))
      .sort();
  }

  /** Newest first. */
  private read(stack: string, environment: string, service: string): ReleaseRecord[] {
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
}
