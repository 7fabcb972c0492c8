import fs from 'node:fs';
import path from 'node:path';
import { OWNER_ONLY_FILE } from '../../../ownerOnly';
import type { LogLine, LogQuery, RuntimeEvent, RuntimeEventType } from '../api';
import { LogRetention, logRetentionFromEnvironment, SegmentedLogFile } from './logSegments';

/** Who is told of each new entry as it lands: `--follow` streams them without rereading the file. */
class Subscribers<T> {
  private readonly listeners = new Set<(entry: T) => void>();

  notify(entry: T): void {
    for (const listener of this.listeners) listener(entry);
  }

  subscribe(listener: (entry: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * An append-only JSON-lines file with live subscribers: a component's events live in one, so they
 * survive runtime restarts and followers see new entries as they land.
 */
class Journal<T> extends Subscribers<T> {
  constructor(private readonly file: string) {
    super();
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  append(entry: T): void {
    // Logs hold whatever the services print; owner-only also where others may pass through (as root).
    fs.appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: OWNER_ONLY_FILE });
    this.notify(entry);
  }

  read(): T[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T);
  }
}

/**
 * A component's logs: rotated by size (see SegmentedLogFile) and read newest first, asynchronously,
 * stopping as soon as a query has its lines, so a busy component's megabytes never stall the
 * runtime's only thread (which also runs every load balancer).
 */
export class LogJournal extends Subscribers<LogLine> {
  private readonly segments: SegmentedLogFile;

  constructor(file: string, retention: LogRetention = logRetentionFromEnvironment()) {
    super();
    this.segments = new SegmentedLogFile(file, retention);
  }

  write(source: string, stream: LogLine['stream'], message: string): void {
    this.append({ at: new Date().toISOString(), source, stream, message });
  }

  append(line: LogLine): void {
    this.segments.append(JSON.stringify(line));
    this.notify(line);
  }

  /** The newest `limit` lines matching the query (all of them without a limit), oldest first. */
  query(query: LogQuery): Promise<LogLine[]> {
    return this.newest(logMatcher(query), query.limit || Infinity, query.since ? canonicalTimestamp(query.since) : undefined);
  }

  /** Lines are written in time order: reading newest first, the first one before `since` ends the search. */
  async newest(matches: (line: LogLine) => boolean, limit: number, since?: string): Promise<LogLine[]> {
    const found: LogLine[] = [];
    if (limit <= 0) return found;
    for await (const text of this.segments.newestFirst()) {
      const line = parseLine(text);
      if (!line) continue;
      if (since && line.at < since) break;
      if (!matches(line)) continue;
      found.push(line);
      if (found.length >= limit) break;
    }
    return found.reverse();
  }
}

/** A line torn by a crash mid-write is skipped rather than failing every later query. */
function parseLine(text: string): LogLine | undefined {
  try {
    return JSON.parse(text) as LogLine;
  } catch {
    return undefined;
  }
}

export class EventJournal extends Journal<RuntimeEvent> {
  record(type: RuntimeEventType, message: string, replica?: string): void {
    this.append({ at: new Date().toISOString(), type, ...(replica ? { replica } : {}), message });
  }

  since(since?: string): RuntimeEvent[] {
    const from = since ? canonicalTimestamp(since) : undefined;
    return this.read().filter((event) => !from || event.at >= from);
  }
}

/** The predicate a log query stands for; also applied to lines streamed by `--follow`. */
export function logMatcher(query: LogQuery): (line: LogLine) => boolean {
  const since = query.since ? canonicalTimestamp(query.since) : undefined;
  const terms = filterTerms(query.filter ?? '');
  const search = query.search?.toLowerCase();
  return (line) =>
    (!since || line.at >= since) &&
    terms.every((term) => line.message.includes(term)) &&
    (!search || line.message.toLowerCase().includes(search));
}

/**
 * Any ISO 8601 timestamp in the form entries are written in (`toISOString`, UTC with milliseconds),
 * so comparing the strings compares the times. Compared as written, `10:00:00Z` would sort after
 * `10:00:00.500Z` and an offset such as `+02:00` would be ignored.
 */
export function canonicalTimestamp(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`"${value}" is not a timestamp; use ISO 8601 such as 2024-05-01T10:00:00Z`);
  return new Date(ms).toISOString();
}

/** `ERROR "email sent"` -> [`ERROR`, `email sent`]: CloudWatch's term syntax, so filters mean the same on both targets. */
function filterTerms(filter: string): string[] {
  return [...filter.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '').filter(Boolean);
}

/** Splits a child's output stream into lines, however the chunks fall. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line.replace(/\r$/, ''));
  };
}
