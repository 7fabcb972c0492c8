import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogLine } from '../../src/targets/local/api';
import { LogJournal } from '../../src/targets/local/runtime/journal';
import { logRetentionFromEnvironment } from '../../src/targets/local/runtime/logSegments';

const at = (index: number) => new Date(Date.UTC(2024, 4, 1, 10) + index * 1000).toISOString();
const line = (index: number, message = `request ${index} served`): LogLine => ({ at: at(index), source: 'api-1', stream: 'stdout', message });
const messages = (lines: LogLine[]) => lines.map((entry) => entry.message);

describe('component logs: rotation and newest-first reading', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-log-rotation-'));
    file = path.join(dir, 'logs.jsonl');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rotates by size and keeps at most `files` files, dropping the oldest lines', async () => {
    const journal = new LogJournal(file, { maxBytes: 2000, files: 3 });
    for (let index = 0; index < 500; index += 1) journal.append(line(index));

    const names = fs.readdirSync(dir).sort();
    expect(names).toHaveLength(3);
    expect(names).toContain('logs.jsonl');
    for (const name of names) expect(fs.statSync(path.join(dir, name)).size).toBeLessThan(2000 + 200);

    const kept = await journal.query({});
    expect(kept.length).toBeLessThan(500);
    // What is kept is the newest lines, oldest first, with none missing in between.
    expect(kept[kept.length - 1]).toEqual(line(499));
    expect(kept.map((entry) => entry.at)).toEqual(kept.map((_, index) => at(500 - kept.length + index)));
  });

  it('a restarted runtime keeps rotating where the previous one left off', async () => {
    for (let index = 0; index < 100; index += 1) new LogJournal(file, { maxBytes: 1000, files: 2 }).append(line(index));
    expect(fs.readdirSync(dir)).toHaveLength(2);
    expect((await new LogJournal(file, { maxBytes: 1000, files: 2 }).query({ limit: 2 })).map((entry) => entry.at)).toEqual([at(98), at(99)]);
  });

  it('a query for recent lines reads only the newest file, not the whole log', async () => {
    const journal = new LogJournal(file, { maxBytes: 4000, files: 50 });
    for (let index = 0; index < 2000; index += 1) journal.append(line(index, index % 100 === 0 ? `ERROR request ${index} failed` : undefined));
    expect(fs.readdirSync(dir).length).toBeGreaterThan(20);
    const reads = jest.spyOn(fs, 'read');

    expect(messages(await journal.query({ limit: 3 }))).toEqual(['request 1997 served', 'request 1998 served', 'request 1999 served']);
    expect(reads).toHaveBeenCalled();
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);

    reads.mockClear();
    expect(messages(await journal.query({ since: at(1990) }))).toHaveLength(10);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);

    // A filter still finds old matches, file after file.
    expect(messages(await journal.query({ filter: 'ERROR', limit: 3 }))).toEqual(['ERROR request 1700 failed', 'ERROR request 1800 failed', 'ERROR request 1900 failed']);
  });

  it('a query over a big log lets the event loop run while it reads (the load balancers share it)', async () => {
    const journal = new LogJournal(file, { maxBytes: 64 * 1024 * 1024, files: 2 });
    const padding = 'x'.repeat(200);
    for (let index = 0; index < 20000; index += 1) journal.append(line(index, `request ${index} ${padding}`));

    let turns = 0;
    let counting = true;
    const count = () => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const found = await journal.query({ search: 'no such text' });
    counting = false;

    expect(found).toEqual([]);
    // About 4.5 MB in 64 KB chunks: the loop turned between chunks instead of waiting for the whole file.
    expect(turns).toBeGreaterThan(20);
  });

  it('a query answers from the lines written before it began; later ones reach subscribers only', async () => {
    const journal = new LogJournal(file, { maxBytes: 1000, files: 10 });
    for (let index = 0; index < 50; index += 1) journal.append(line(index));
    const followed: LogLine[] = [];
    journal.subscribe((entry) => followed.push(entry));

    const pending = journal.query({ limit: 100 });
    // Enough to rotate while the query reads: nothing is lost or read twice.
    for (let index = 50; index < 80; index += 1) journal.append(line(index));
    const backlog = await pending;

    expect([...backlog, ...followed].map((entry) => entry.at)).toEqual([...Array(80).keys()].slice(80 - backlog.length - followed.length).map(at));
    expect(backlog[backlog.length - 1]).toEqual(line(49));
    expect(followed).toHaveLength(30);
  });

  it('skips a line torn by a crash mid-write', async () => {
    fs.writeFileSync(file, `${JSON.stringify(line(0))}\n${JSON.stringify(line(1))}\n{"at":"2024-05-01T10:00:0`);
    expect(await new LogJournal(file, { maxBytes: 1000, files: 2 }).query({})).toEqual([line(0), line(1)]);
  });

  it('reads DEPLOYER_LOG_FILE_MB and DEPLOYER_LOG_FILES, with 5 files of 10 MB by default', () => {
    expect(logRetentionFromEnvironment({})).toEqual({ maxBytes: 10 * 1024 * 1024, files: 5 });
    expect(logRetentionFromEnvironment({ DEPLOYER_LOG_FILE_MB: '0.5', DEPLOYER_LOG_FILES: '2' })).toEqual({ maxBytes: 512 * 1024, files: 2 });
    expect(() => logRetentionFromEnvironment({ DEPLOYER_LOG_FILES: 'many' })).toThrow(/DEPLOYER_LOG_FILES/);
  });
});
