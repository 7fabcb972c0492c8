import fs from 'node:fs';
import path from 'node:path';
import { OWNER_ONLY_FILE } from '../../../ownerOnly';
import type { LogLine, LogQuery, RuntimeEvent, RuntimeEventType } from '../api';

/**
 * An append-only JSON-lines file with live subscribers: a component's logs and its events both
 * live in one, so they survive runtime restarts and `--follow` sees new entries as they land.
 */
class Journal<T> {
  private readonly listeners = new Set<(entry: T) => void>();

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  append(entry: T): void {
    // Logs hold whatever the services print; owner-only also where others may pass through (as root).
    fs.appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: OWNER_ONLY_FILE });
    for (const listener of this.listeners) listener(entry);
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

  subscribe(listener: (entry: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class LogJournal extends Journal<LogLine> {
  write(source: string, stream: LogLine['stream'], message: string): void {
    this.append({ at: new Date().toISOString(), source, stream, message });
  }

  query(query: LogQuery): LogLine[] {
    const matches = logMatcher(query);
    const lines = this.read().filter(matches);
    return query.limit ? lines.slice(-query.limit) : lines;
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
