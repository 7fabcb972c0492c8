import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogLine } from '../../src/targets/local/api';
import { canonicalTimestamp, EventJournal, LogJournal, logMatcher } from '../../src/targets/local/runtime/journal';

const line = (message: string, at = '2024-05-01T10:00:00.500Z'): LogLine => ({ at, source: 'api-1', stream: 'stdout', message });

const lines = [
  line('INFO email sent to ana@example.com', '2024-05-01T09:59:59.999Z'),
  line('ERROR health check failing: database unreachable', '2024-05-01T10:00:00.000Z'),
  line('ERROR email not sent: health check failing', '2024-05-01T10:00:00.500Z'),
  line('WARN Email queue slow', '2024-05-01T10:00:01.000Z'),
  line('error lowercase only', '2024-05-01T10:00:02.000Z'),
];

const messages = (query: Parameters<typeof logMatcher>[0]) => lines.filter(logMatcher(query)).map((entry) => entry.message);

describe('logMatcher: filter (CloudWatch terms)', () => {
  it('keeps lines holding every term, in any order', () => {
    expect(messages({ filter: 'ERROR email' })).toEqual(['ERROR email not sent: health check failing']);
    expect(messages({ filter: 'failing ERROR' })).toEqual(['ERROR health check failing: database unreachable', 'ERROR email not sent: health check failing']);
  });

  it('keeps a quoted phrase whole', () => {
    expect(messages({ filter: '"email sent"' })).toEqual(['INFO email sent to ana@example.com']);
    // As separate terms, "email" and "sent" also match "email not sent".
    expect(messages({ filter: 'email sent' })).toEqual(['INFO email sent to ana@example.com', 'ERROR email not sent: health check failing']);
    expect(messages({ filter: 'ERROR "health check failing"' })).toEqual(['ERROR health check failing: database unreachable', 'ERROR email not sent: health check failing']);
  });

  it('is case-sensitive', () => {
    expect(messages({ filter: 'ERROR' })).toEqual(['ERROR health check failing: database unreachable', 'ERROR email not sent: health check failing']);
    expect(messages({ filter: 'error' })).toEqual(['error lowercase only']);
    expect(messages({ filter: 'Email' })).toEqual(['WARN Email queue slow']);
  });

  it('matches everything when empty or blank', () => {
    expect(messages({ filter: '' })).toHaveLength(lines.length);
    expect(messages({ filter: '   ' })).toHaveLength(lines.length);
    expect(messages({})).toHaveLength(lines.length);
  });
});

describe('logMatcher: search', () => {
  it('is case-insensitive and takes the text as one phrase', () => {
    expect(messages({ search: 'EMAIL' })).toEqual(['INFO email sent to ana@example.com', 'ERROR email not sent: health check failing', 'WARN Email queue slow']);
    expect(messages({ search: 'email sent' })).toEqual(['INFO email sent to ana@example.com']);
    expect(messages({ search: 'Error' })).toEqual(['ERROR health check failing: database unreachable', 'ERROR email not sent: health check failing', 'error lowercase only']);
  });

  it('combines with filter and since: a line must match all of them', () => {
    expect(messages({ filter: 'ERROR', search: 'EMAIL' })).toEqual(['ERROR email not sent: health check failing']);
    expect(messages({ search: 'email', since: '2024-05-01T10:00:00.000Z' })).toEqual(['ERROR email not sent: health check failing', 'WARN Email queue slow']);
  });
});

describe('logMatcher: since', () => {
  it('keeps lines at or after the instant', () => {
    expect(messages({ since: '2024-05-01T10:00:00.500Z' })).toEqual(['ERROR email not sent: health check failing', 'WARN Email queue slow', 'error lowercase only']);
    expect(messages({ since: '2024-05-01T10:00:02.001Z' })).toEqual([]);
  });

  it('compares instants, not text: a since without milliseconds keeps the lines later in that second', () => {
    expect(messages({ since: '2024-05-01T10:00:00Z' })).toEqual([
      'ERROR health check failing: database unreachable',
      'ERROR email not sent: health check failing',
      'WARN Email queue slow',
      'error lowercase only',
    ]);
  });

  it('honours a timezone offset', () => {
    // 12:00:01+02:00 is 10:00:01Z.
    expect(messages({ since: '2024-05-01T12:00:01+02:00' })).toEqual(['WARN Email queue slow', 'error lowercase only']);
  });

  it('rejects a since that is not a timestamp instead of matching nothing', () => {
    expect(() => logMatcher({ since: '10m' })).toThrow(new RangeError('"10m" is not a timestamp; use ISO 8601 such as 2024-05-01T10:00:00Z'));
    expect(canonicalTimestamp('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T10:00:00.000Z');
  });
});

describe('journals', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-journal-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a log query keeps the newest `limit` matching lines, oldest first', async () => {
    const journal = new LogJournal(path.join(dir, 'logs.jsonl'));
    for (const entry of lines) journal.append(entry);
    expect((await journal.query({ filter: 'ERROR', limit: 1 })).map((entry) => entry.message)).toEqual(['ERROR email not sent: health check failing']);
    expect((await journal.query({ search: 'email', limit: 2 })).map((entry) => entry.message)).toEqual(['ERROR email not sent: health check failing', 'WARN Email queue slow']);
    // A fresh journal on the same file reads what the previous one wrote (a runtime restart).
    expect((await new LogJournal(path.join(dir, 'logs.jsonl')).query({})).length).toBe(lines.length);
  });

  it('events since an instant compare as instants too', () => {
    fs.writeFileSync(
      path.join(dir, 'events.jsonl'),
      ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.250Z', '2024-05-01T10:00:03.000Z'].map((at, index) => JSON.stringify({ at, type: 'started', message: `event ${index}` })).join('\n') + '\n',
    );
    const journal = new EventJournal(path.join(dir, 'events.jsonl'));
    expect(journal.since('2024-05-01T10:00:00Z').map((event) => event.message)).toEqual(['event 0', 'event 1', 'event 2']);
    expect(journal.since('2024-05-01T12:00:01+02:00').map((event) => event.message)).toEqual(['event 2']);
    expect(journal.since().length).toBe(3);
  });
});
