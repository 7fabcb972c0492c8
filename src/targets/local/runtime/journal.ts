import fs from 'node:fs';
import path from 'node:path';
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
    fs.appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
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
    return this.read().filter((event) => !since || event.at >= since);
  }
}

/** The predicate a log query stands for; also applied to lines streamed by `--follow`. */
export function logMatcher(query: LogQuery): (line: LogLine) => boolean {
  const terms = filterTerms(query.filter ?? '');
  const search = query.search?.toLowerCase();
  return (line) =>
    (!query.since || line.at >= query.since) &&
    terms.every((term) => line.message.includes(term)) &&
    (!search || line.message.toLowerCase().includes(search));
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
