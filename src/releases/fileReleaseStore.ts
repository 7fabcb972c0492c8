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
  /**
   * Each log as last parsed, by file, with the file's identity, size and modification time: one read of
   * a service (its history and two latest records) and the append that follows parse the file once.
   */
  private readonly parsed = new Map<string, ParsedLog & { stamp: string }>();

  constructor(
    private readonly dir: string,
    private readonly keep: number = releasesToKeep(),
  ) {}

  private file(stack: string, environment: string, service: string): string {
    return path.join(this.dir, stack, environment, `${service}.jsonl`);
  }

  async append(record: ReleaseRecord): Promise<void> {
    const line = JSON.stringify(record);
    const { records: history, lines } = this.parsedLog(record.stack, record.environment, record.service);
    // A retried append (the worker died before reporting it done) finds its record already there.
    if (lines.has(line)) return;
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
    return this.parsedLog(stack, environment, service).records.slice(0, limit);
  }

  async latest(stack: string, environment: string, service: string, results: readonly ReleaseResult[]): Promise<ReleaseRecord | undefined> {
    return this.parsedLog(stack, environment, service).records.find((record) => results.includes(record.result));
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

  /** The log's records, newest first, and its lines as written. */
  private parsedLog(stack: string, environment: string, service: string): ParsedLog {
    const file = this.file(stack, environment, service);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], lines: new Set() };
      throw error;
    }
    // Another writer (a pruning rename, a second worker of this machine) changes one of these.
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    const cached = this.parsed.get(file);
    if (cached?.stamp === stamp) return cached;
    const parsed = parseLog(fs.readFileSync(file, 'utf8'));
    this.parsed.set(file, { ...parsed, stamp });
    return parsed;
  }
}

interface ParsedLog {
  /** Newest first; callers get copies or single records, never this array. */
  records: ReleaseRecord[];
  lines: Set<string>;
}

function parseLog(text: string): ParsedLog {
  const lines = text.split('\n').filter((line) => line.trim());
  const records = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as ReleaseRecord];
    } catch {
      return []; // a torn last line from a crash
    }
  });
  return { records: records.reverse(), lines: new Set(lines) };
}
