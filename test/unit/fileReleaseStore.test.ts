import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { testRelease } from '../support/releaseRecords';

describe('the release log on files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-log-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const log = (file: string) => path.join(dir, 'shop', 'production', file);

  it('parses a service\'s log once for a read of its history and latest records, and again only when the file changes', async () => {
    const store = new FileReleaseStore(dir);
    await store.append(testRelease('v1', 'succeeded'));
    await store.append(testRelease('v2', 'failed'));
    const reads = jest.spyOn(fs, 'readFileSync');
    const readsOfLog = () => reads.mock.calls.filter(([file]) => file === log('orders.jsonl')).length;

    await Promise.all([store.history('shop', 'production', 'orders', 10), store.latest('shop', 'production', 'orders', ['succeeded']), store.latest('shop', 'production', 'orders', ['failed'])]);
    await store.append(testRelease('v2', 'failed')); // a retried append: already there
    expect(readsOfLog()).toBe(1);

    await store.append(testRelease('v3', 'succeeded'));
    expect((await store.history('shop', 'production', 'orders')).map((record) => record.version)).toEqual(['v3', 'v2', 'v1']);
    expect(readsOfLog()).toBe(2);
  });

  it('sees what another writer of the same directory appended', async () => {
    const reader = new FileReleaseStore(dir);
    const writer = new FileReleaseStore(dir);
    await writer.append(testRelease('v1', 'succeeded'));
    expect((await reader.latest('shop', 'production', 'orders', ['succeeded']))?.version).toBe('v1');
    await writer.append(testRelease('v2', 'succeeded'));
    expect((await reader.latest('shop', 'production', 'orders', ['succeeded']))?.version).toBe('v2');
  });

  it('hands out copies: a caller reordering its history does not reorder the log', async () => {
    const store = new FileReleaseStore(dir);
    await store.append(testRelease('v1', 'succeeded'));
    await store.append(testRelease('v2', 'succeeded'));
    (await store.history('shop', 'production', 'orders')).reverse();
    expect((await store.history('shop', 'production', 'orders')).map((record) => record.version)).toEqual(['v2', 'v1']);
  });

  it('stores a retried append once', async () => {
    const store = new FileReleaseStore(dir);
    await store.append(testRelease('v1', 'succeeded'));
    await new FileReleaseStore(dir).append(testRelease('v1', 'succeeded'));
    expect(fs.readFileSync(log('orders.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
