import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pruneFileBackendHistory } from '../../src/pulumi/history';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { releasesToKeep } from '../../src/releases/retention';
import { lastReleased } from '../../src/releases/releaseLog';
import type { ReleaseRecord } from '../../src/releases/releaseRecord';
import { testRelease } from '../support/releaseRecords';


describe('release log retention', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-retention-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const versions = async (store: FileReleaseStore) => (await store.history('shop', 'production', 'orders')).map((record) => `${record.version}:${record.result}`);

  it('keeps the newest N releases of a service', async () => {
    const store = new FileReleaseStore(dir, 3);
    for (let index = 1; index <= 10; index += 1) await store.append(testRelease(`v${index}`, 'succeeded'));
    expect(await versions(store)).toEqual(['v10:succeeded', 'v9:succeeded', 'v8:succeeded']);
    // Other services' logs are their own.
    await store.append(testRelease('v1', 'succeeded', { service: 'billing' }));
    expect(await store.history('shop', 'production', 'billing')).toHaveLength(1);
  });

  it('never drops the last good release, the one a rollback returns to, or the failures since', async () => {
    const store = new FileReleaseStore(dir, 2);
    await store.append(testRelease('v1', 'succeeded'));
    await store.append(testRelease('v2', 'succeeded'));
    for (let index = 3; index <= 6; index += 1) await store.append(testRelease(`v${index}`, index % 2 ? 'failed' : 'rolled_back', { touched: [`orders/api-${index}`] }));
    expect(await versions(store)).toEqual(['v6:rolled_back', 'v5:failed', 'v4:rolled_back', 'v3:failed', 'v2:succeeded', 'v1:succeeded']);
    expect((await lastReleased(store, 'shop', 'production', 'orders'))).toEqual([]);
    expect((await store.history('shop', 'production', 'orders')).find((record) => record.result === 'succeeded')?.version).toBe('v2');

    // A new good release settles the failures: they go, the previous good one stays as the rollback target.
    await store.append(testRelease('v7', 'succeeded'));
    expect(await versions(store)).toEqual(['v7:succeeded', 'v6:rolled_back', 'v2:succeeded']);
  });

  it('keeps the newest record carrying the approval policy (rollbacks without a checkout run under it)', async () => {
    const store = new FileReleaseStore(dir, 2);
    await store.append(testRelease('v1', 'succeeded', { policy: { environment: 'production' } as ReleaseRecord['policy'] }));
    for (let index = 2; index <= 5; index += 1) await store.append(testRelease(`v${index}`, 'succeeded'));
    expect(await versions(store)).toEqual(['v5:succeeded', 'v4:succeeded', 'v1:succeeded']);
  });

  it('reads DEPLOYER_KEEP_RELEASES, 100 by default', () => {
    expect(releasesToKeep({})).toBe(100);
    expect(releasesToKeep({ DEPLOYER_KEEP_RELEASES: '20' })).toBe(20);
    expect(() => releasesToKeep({ DEPLOYER_KEEP_RELEASES: '0' })).toThrow(/DEPLOYER_KEEP_RELEASES/);
  });
});

describe('Pulumi file backend history', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-pulumi-history-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps the newest N updates of the stack, every file of each', () => {
    const id = { project: 'shop', stack: 'orders.api.production' };
    const history = path.join(root, '.pulumi', 'history', id.project, id.stack);
    const backups = path.join(root, '.pulumi', 'backups', id.project, id.stack);
    const other = path.join(root, '.pulumi', 'history', id.project, 'orders.db.production');
    for (const dir of [history, backups, other]) fs.mkdirSync(dir, { recursive: true });
    // 18 and 19 digits: compared as numbers, not as text.
    const times = ['999999999999999999', '1796492140697319226', '1796492140697319227', '1796492150000000000'];
    for (const time of times) {
      for (const suffix of ['checkpoint.json', 'checkpoint.json.attrs', 'history.json', 'history.json.attrs']) fs.writeFileSync(path.join(history, `${id.stack}-${time}.${suffix}`), '{}');
      for (const suffix of ['json', 'json.attrs']) fs.writeFileSync(path.join(backups, `${id.stack}.${time}.${suffix}`), '{}');
      fs.writeFileSync(path.join(other, `orders.db.production-${time}.history.json`), '{}');
    }

    pruneFileBackendHistory(root, id, 2);

    const kept = (dir: string) => [...new Set(fs.readdirSync(dir).map((name) => /\d{16,}/.exec(name)?.[0]))].sort();
    expect(kept(history)).toEqual(['1796492140697319227', '1796492150000000000']);
    expect(fs.readdirSync(history)).toHaveLength(8);
    expect(kept(backups)).toEqual(['1796492140697319227', '1796492150000000000']);
    expect(fs.readdirSync(other)).toHaveLength(4);
  });

  it('does nothing for a stack without updates', () => {
    expect(() => pruneFileBackendHistory(root, { project: 'shop', stack: 'new.stack.dev' }, 2)).not.toThrow();
  });
});
