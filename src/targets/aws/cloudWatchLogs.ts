import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchLogsClient, FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ComponentRef } from '../../model/componentRef';
import type { LogLine, LogQuery } from '../local/api';
import { awsErrorName } from './awsClients';
import { awsNames } from './names';
import { AwsObserverError } from '../../errors';

/** A log line with what identifies its CloudWatch event, so a follow that reads a range twice prints it once. */
export interface LogEvent {
  key: string;
  timestamp: number;
  line: LogLine;
}

// Without `since`, the newest lines are looked for in growing windows back from now (15 minutes,
// 3 hours, a day, a week, then all of it): CloudWatch returns events oldest first, and reading a
// service's whole log group to show its last 100 lines would read months of logs.
const LOOKBACK_MS = [15 * 60_000, 3 * 3_600_000, 86_400_000, 7 * 86_400_000];

// CloudWatch may ingest an event a few seconds after a later one from another task: each poll of a
// follow reads again from a little before the newest event it printed.
const LATE_ARRIVAL_MS = 5000;

export const FOLLOW_POLL_MS = 2000;

/** `since` as epoch milliseconds; an unreadable one is the caller's mistake, as on the local target. */
export function sinceMillis(since: string | undefined): number | undefined {
  if (since === undefined) return undefined;
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw new RangeError(`"${since}" is not a timestamp; use ISO 8601 such as 2024-05-01T10:00:00Z`);
  return ms;
}

/**
 * Streams are `app/<container>/<task id>` (the awslogs driver's `<prefix>/<container>/<task id>`):
 * the component's own container is its task id, any other container of the task (the config
 * writer) is `<task id>/<container>`.
 */
export function sourceOfStream(stream: string | undefined, container: string): string {
  const parts = (stream ?? '').split('/');
  if (parts.length !== 3 || parts[0] !== awsNames.logStreamPrefix) return stream ?? 'unknown';
  const [, streamContainer, taskId] = parts as [string, string, string];
  return streamContainer === container ? taskId : `${taskId}/${streamContainer}`;
}

/** A CloudWatch event as a LogLine: awslogs merges stdout and stderr, so every line reads as stdout. */
export function toLogEvent(event: FilteredLogEvent, container: string): LogEvent {
  const timestamp = event.timestamp ?? 0;
  return {
    // Event ids are unique per log group on AWS; emulators number them per stream.
    key: `${event.logStreamName ?? ''}/${event.eventId ?? timestamp}`,
    timestamp,
    line: { at: new Date(timestamp).toISOString(), source: sourceOfStream(event.logStreamName, container), stream: 'stdout', message: (event.message ?? '').replace(/\r?\n$/, '') },
  };
}

/** `--search`: case-insensitive text, applied here because CloudWatch filter patterns are case-sensitive. */
export function searchMatcher(search: string | undefined): (event: LogEvent) => boolean {
  const wanted = search?.toLowerCase();
  return (event) => !wanted || event.line.message.toLowerCase().includes(wanted);
}

/** The time windows, newest first, that the newest lines are looked for in; the last is open-ended into the past. */
export function lookbackWindows(now: number): { startTime?: number; endTime?: number }[] {
  const windows: { startTime?: number; endTime?: number }[] = [];
  let endTime: number | undefined;
  for (const span of LOOKBACK_MS) {
    const startTime = now - span;
    windows.push({ startTime, ...(endTime !== undefined ? { endTime } : {}) });
    endTime = startTime - 1;
  }
  windows.push({ endTime });
  return windows;
}

/** Oldest first; events at the same millisecond keep the order CloudWatch gave them. */
export function byTime(events: LogEvent[]): LogEvent[] {
  return [...events].sort((a, b) => a.timestamp - b.timestamp);
}

/** The newest `limit` events (all without a limit), as `tail` shows them. */
export function keepNewest<T>(items: T[], limit: number | undefined): T[] {
  return limit ? items.slice(-limit) : items;
}

/** The FilterLogEvents request for a range: `filter` goes to CloudWatch as the filter pattern. */
export function filterRequest(logGroupName: string, filter: string | undefined, range: { startTime?: number; endTime?: number }) {
  return {
    logGroupName,
    ...(filter?.trim() ? { filterPattern: filter.trim() } : {}),
    ...(range.startTime !== undefined ? { startTime: range.startTime } : {}),
    ...(range.endTime !== undefined ? { endTime: range.endTime } : {}),
  };
}

/** A component's CloudWatch log group (`/deployer/<stack>/<env>/<service>/<component>`), read as the local runtime's logs are. */
export class ComponentLogs {
  private readonly logGroupName: string;
  private readonly container: string;

  constructor(
    private readonly client: CloudWatchLogsClient,
    ref: ComponentRef,
  ) {
    this.logGroupName = awsNames.logGroup(ref);
    this.container = awsNames.container(ref);
  }

  async query(query: LogQuery, signal?: AbortSignal): Promise<LogEvent[]> {
    const since = sinceMillis(query.since);
    const matches = searchMatcher(query.search);
    if (since !== undefined || !query.limit) {
      const events = await this.read({ startTime: since }, query.filter, signal);
      return keepNewest(byTime(events.filter(matches)), query.limit);
    }
    let found: LogEvent[] = [];
    for (const window of lookbackWindows(Date.now())) {
      const events = (await this.read(window, query.filter, signal)).filter(matches);
      found = [...events, ...found];
      if (found.length >= query.limit) break;
    }
    return keepNewest(byTime(found), query.limit);
  }

  /**
   * The backlog, then every new matching line until `signal` aborts: CloudWatch has no push API, so
   * this polls from the newest line printed, and prints each event once.
   */
  async follow(query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal, pollMs = FOLLOW_POLL_MS): Promise<void> {
    const matches = searchMatcher(query.search);
    const printed = new Map<string, number>();
    // The backlog covers everything up to now: polls start here, or at the newest line it printed.
    let newest = Math.max(sinceMillis(query.since) ?? 0, Date.now());
    const print = (event: LogEvent) => {
      printed.set(event.key, event.timestamp);
      newest = Math.max(newest, event.timestamp);
      onLine(event.line);
    };
    try {
      for (const event of await this.query(query, signal)) print(event);
      while (!signal.aborted) {
        await sleep(pollMs, undefined, { signal });
        const startTime = newest - LATE_ARRIVAL_MS;
        const events = byTime((await this.read({ startTime }, query.filter, signal)).filter(matches));
        for (const event of events) if (!printed.has(event.key)) print(event);
        // What lies before the next poll's start cannot come back: forget it, so a long follow stays small.
        for (const [key, timestamp] of printed) if (timestamp < newest - LATE_ARRIVAL_MS) printed.delete(key);
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
  }

  /** Every event of a range, across FilterLogEvents pages (a page may be empty and still have a next one). */
  private async read(range: { startTime?: number; endTime?: number }, filter: string | undefined, signal?: AbortSignal): Promise<LogEvent[]> {
    const events: LogEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client
        .send(new FilterLogEventsCommand({ ...filterRequest(this.logGroupName, filter, range), ...(nextToken ? { nextToken } : {}) }), { abortSignal: signal })
        .catch((error: unknown) => {
          if (awsErrorName(error) === 'ResourceNotFoundException') {
            throw new AwsObserverError(`log group ${this.logGroupName} does not exist: on aws only MicroServices write logs deployer reads (data components log to their own AWS service)`, 'not-found');
          }
          throw error;
        });
      for (const event of page.events ?? []) events.push(toLogEvent(event, this.container));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }
}
