import { byTime, filterRequest, keepNewest, lookbackWindows, searchMatcher, sinceMillis, sourceOfStream, toLogEvent } from '../../src/targets/aws/cloudWatchLogs';

const event = (message: string, timestamp: number, logStreamName = 'app/api/3f2a1b', eventId = String(timestamp)) => toLogEvent({ message, timestamp, logStreamName, eventId }, 'api');

describe('CloudWatch log events as log lines', () => {
  it('takes the task id from the stream name as the source', () => {
    expect(sourceOfStream('app/api/0123456789abcdef0123456789abcdef', 'api')).toBe('0123456789abcdef0123456789abcdef');
    // Another container of the task (the config writer) keeps its name beside the task id.
    expect(sourceOfStream('app/config/0123456789abcdef', 'api')).toBe('0123456789abcdef/config');
    // A stream not written by the awslogs driver under the programs' prefix is shown as it is named.
    expect(sourceOfStream('other-stream', 'api')).toBe('other-stream');
    expect(sourceOfStream(undefined, 'api')).toBe('unknown');
  });

  it('maps time, message and a key that is unique across streams', () => {
    const line = toLogEvent({ message: 'INFO started\n', timestamp: Date.parse('2026-01-15T14:30:01.250Z'), logStreamName: 'app/api/abc', eventId: '0' }, 'api');
    expect(line.line).toEqual({ at: '2026-01-15T14:30:01.250Z', source: 'abc', stream: 'stdout', message: 'INFO started' });
    // Emulators number events per stream: the stream is part of the key, so two "0" events stay two.
    expect(line.key).not.toBe(toLogEvent({ message: 'x', timestamp: 1, logStreamName: 'app/api/def', eventId: '0' }, 'api').key);
  });
});

describe('log queries', () => {
  it('sends the filter as CloudWatch filter pattern, and the range as start/end time', () => {
    expect(filterRequest('/deployer/s/e/svc/api', 'ERROR "email sent"', { startTime: 10, endTime: 20 })).toEqual({ logGroupName: '/deployer/s/e/svc/api', filterPattern: 'ERROR "email sent"', startTime: 10, endTime: 20 });
    expect(filterRequest('/g', '   ', {})).toEqual({ logGroupName: '/g' });
  });

  it('searches case-insensitively, as one phrase', () => {
    const lines = [event('INFO email sent', 1), event('WARN Email queue slow', 2), event('ERROR email not sent', 3)];
    expect(lines.filter(searchMatcher('EMAIL SENT')).map((line) => line.line.message)).toEqual(['INFO email sent']);
    expect(lines.filter(searchMatcher('email'))).toHaveLength(3);
    expect(lines.filter(searchMatcher(undefined))).toHaveLength(3);
  });

  it('reads since as an instant in any ISO 8601 form, and refuses what is not one', () => {
    expect(sinceMillis('2024-05-01T12:00:00+02:00')).toBe(Date.parse('2024-05-01T10:00:00Z'));
    expect(sinceMillis(undefined)).toBeUndefined();
    expect(() => sinceMillis('10m')).toThrow(new RangeError('"10m" is not a timestamp; use ISO 8601 such as 2024-05-01T10:00:00Z'));
  });

  it('keeps the newest lines, oldest first, stable for events of the same millisecond', () => {
    const lines = [event('c', 3), event('a', 1), event('b1', 2, 'app/api/x'), event('b2', 2, 'app/api/y')];
    expect(byTime(lines).map((line) => line.line.message)).toEqual(['a', 'b1', 'b2', 'c']);
    expect(keepNewest(byTime(lines), 2).map((line) => line.line.message)).toEqual(['b2', 'c']);
    expect(keepNewest(byTime(lines), undefined)).toHaveLength(4);
  });

  it('looks for the newest lines in growing, adjacent windows back from now, the last one open into the past', () => {
    const now = Date.parse('2026-01-15T12:00:00Z');
    const windows = lookbackWindows(now);
    expect(windows[0]).toEqual({ startTime: now - 15 * 60_000 });
    expect(windows[1]).toEqual({ startTime: now - 3 * 3_600_000, endTime: now - 15 * 60_000 - 1 });
    expect(windows.at(-1)).toEqual({ endTime: now - 7 * 86_400_000 - 1 });
    // No gaps and no overlaps: each window ends a millisecond before the next newer one starts.
    for (let index = 1; index < windows.length; index++) expect(windows[index]!.endTime).toBe(windows[index - 1]!.startTime! - 1);
  });
});
