import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { Client } from 'pg';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { StateDatabase } from '../../src/state/postgres/database';
import { MIGRATIONS } from '../../src/state/postgres/migrations';
import { openStateStore, StateStore } from '../../src/state/stateStore';
import { startTestPostgres, TestPostgres } from '../support/postgres';
import { testRelease } from '../support/releaseRecords';

// The state store port against its two backends: files under a state dir and a real PostgreSQL.
// "Two workers" are two stores opened on the same URL, as two worker processes would.


let server: TestPostgres;
const homes: string[] = [];
const opened: StateStore[] = [];

function home(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-state-'));
  homes.push(dir);
  return dir;
}

function open(url?: string, dir = home(), env: NodeJS.ProcessEnv = {}): StateStore {
  const store = openStateStore(dir, { ...(url ? { DEPLOYER_STATE_URL: url } : {}), ...env });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  server = await startTestPostgres();
});

afterAll(async () => {
  for (const store of opened) await store.close();
  await server.stop();
  for (const dir of homes) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['files', async () => open()],
  ['PostgreSQL', async () => open(await server.database(`releases_${randomUUID().slice(0, 8)}`))],
])('the release log in %s', (_backend, openStore) => {
  it('lists a service\'s releases newest first, the newest of a result, and the services', async () => {
    const { releases } = await openStore();
    await releases.append(testRelease('v1', 'succeeded'));
    await releases.append(testRelease('v2', 'rolled_back'));
    await releases.append(testRelease('v3', 'rejected'));
    await releases.append(testRelease('v1', 'succeeded', { service: 'billing' }));
    expect((await releases.history('shop', 'production', 'orders')).map((each) => each.version)).toEqual(['v3', 'v2', 'v1']);
    expect((await releases.history('shop', 'production', 'orders', 2)).map((each) => each.version)).toEqual(['v3', 'v2']);
    expect((await releases.latest('shop', 'production', 'orders', ['succeeded']))?.version).toBe('v1');
    expect((await releases.latest('shop', 'production', 'orders', ['succeeded', 'rolled_back']))?.version).toBe('v2');
    expect(await releases.latest('shop', 'staging', 'orders', ['succeeded'])).toBeUndefined();
    expect(await releases.services('shop', 'production')).toEqual(['billing', 'orders']);
    // A record reads back exactly as written.
    const written = testRelease('v4', 'succeeded', { components: [{ id: 'orders/api', name: 'api', kind: 'MicroService', service: 'orders', spec: { z: 1, a: [2, { c: 3, b: 4 }] }, specHash: 'h', configs: {}, dependsOn: [] } as never] });
    await releases.append(written);
    expect(JSON.stringify((await releases.history('shop', 'production', 'orders', 1))[0])).toBe(JSON.stringify(written));
  });

  it('stores a retried append once', async () => {
    const { releases } = await openStore();
    const once = testRelease('v1', 'succeeded');
    await releases.append(once);
    await releases.append(once);
    expect(await releases.history('shop', 'production', 'orders')).toHaveLength(1);
  });

  it('prunes past DEPLOYER_KEEP_RELEASES, keeping what rollbacks need', async () => {
    process.env.DEPLOYER_KEEP_RELEASES = '3';
    try {
      const { releases } = await openStore();
      await releases.append(testRelease('v1', 'succeeded'));
      for (let index = 2; index <= 6; index += 1) await releases.append(testRelease(`v${index}`, 'failed'));
      expect((await releases.history('shop', 'production', 'orders')).map((each) => `${each.version}:${each.result}`)).toEqual(['v6:failed', 'v5:failed', 'v4:failed', 'v3:failed', 'v2:failed', 'v1:succeeded']);
      await releases.append(testRelease('v7', 'succeeded'));
      await releases.append(testRelease('v8', 'succeeded'));
      await releases.append(testRelease('v9', 'succeeded'));
      await releases.append(testRelease('v10', 'succeeded'));
      expect((await releases.history('shop', 'production', 'orders')).map((each) => each.version)).toEqual(['v10', 'v9', 'v8']);
    } finally {
      delete process.env.DEPLOYER_KEEP_RELEASES;
    }
  });
});

describe('PostgreSQL shared by two workers', () => {
  it('loses no release and no ignore rule when both write at once', async () => {
    const url = await server.database('concurrent');
    const [first, second] = [open(url), open(url)];
    await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? first : second).releases.append(testRelease(`v${index + 1}`, 'succeeded', { service: 'cart' }))));
    expect(await first.releases.history('shop', 'production', 'cart')).toHaveLength(20);
    const now = new Date();
    await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? first : second).drift.addIgnore('shop', 'production', 'cart', { component: 'api', field: `environment.VAR_${index}`, by: 'ana', at: now.toISOString() }, now)));
    expect(await second.drift.ignores('shop', 'production', 'cart', now)).toHaveLength(20);
  });

  it('migrates a new database once when workers start together, and refuses one a newer deployer migrated', async () => {
    const url = await server.database('migrations');
    const workers = [new StateDatabase(url), new StateDatabase(url), new StateDatabase(url)];
    try {
      await Promise.all(workers.map((worker) => worker.ready()));
      expect(await workers[0]!.query('SELECT version FROM deployer_schema_migrations')).toEqual(MIGRATIONS.map((migration) => ({ version: migration.version })));
      await workers[0]!.query(`INSERT INTO deployer_schema_migrations (version, name) VALUES (999, 'from the future')`);
      const late = new StateDatabase(url);
      workers.push(late);
      await expect(late.ready()).rejects.toThrow(/schema version 999, newer than this deployer knows \(\d+\): upgrade this deployer/);
      // Its password never shows in what it says.
      await expect(late.ready()).rejects.toThrow(/postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1/);
    } finally {
      for (const worker of workers) await worker.close();
    }
  });

  it('keeps the previous state when a worker dies in the middle of a write', async () => {
    const url = await server.database('crash');
    const store = open(url);
    const now = new Date();
    await store.drift.addIgnore('shop', 'production', 'cart', { component: 'api', field: 'replicas', by: 'ana', at: now.toISOString() }, now);
    await store.releases.append(testRelease('v1', 'succeeded'));
    // A worker process that has written half of a change (inside its transaction) when it is SIGKILLed.
    const script = `
      const { Client } = require('pg');
      (async () => {
        const client = new Client({ connectionString: process.argv[1] });
        await client.connect();
        await client.query('BEGIN');
        await client.query("UPDATE deployer_drift SET state = '{}'");
        await client.query("INSERT INTO deployer_releases (stack, environment, service, result, has_policy, fingerprint, record) VALUES ('shop', 'production', 'orders', 'succeeded', false, 'half', '{}')");
        process.stdout.write('written\\n');
        setInterval(() => {}, 1000);
      })();`;
    const child = spawn(process.execPath, ['-e', script, url], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await store.drift.ignores('shop', 'production', 'cart', now)).map((rule) => rule.field)).toEqual(['replicas']);
    expect((await store.releases.history('shop', 'production', 'orders')).map((each) => each.version)).toEqual(['v1']);
    // Nothing the dead worker held blocks the next write (its row lock went with its connection).
    await store.drift.addIgnore('shop', 'production', 'cart', { component: 'api', field: 'cpu', by: 'ana', at: now.toISOString() }, now);
    expect(await store.drift.ignores('shop', 'production', 'cart', now)).toHaveLength(2);
  });
});

describe('Pulumi state in PostgreSQL', () => {
  const id = { project: 'shop', stack: 'orders.api.production' };
  const program = async () => ({ token: pulumi.secret('s3cret-token'), image: 'orders:v1' });

  async function lockRows(url: string): Promise<string[]> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ key: string }>(`SELECT key FROM pulumi_state WHERE key LIKE '%/.pulumi/locks/%'`)).rows.map((row) => row.key);
    } finally {
      await client.end();
    }
  }

  async function insertLock(url: string, host: string, pid: number): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const database = new URL(url).pathname.slice(1);
      // As the engine writes one: the lock file's bytes, base64 in a JSON object.
      const lock = Buffer.from(JSON.stringify({ pid, username: 'deployer', hostname: host, timestamp: new Date().toISOString() })).toString('base64');
      await client.query('INSERT INTO pulumi_state (key, data, updated_at) VALUES ($1, $2, now())', [`${database}/.pulumi/locks/organization/${id.project}/${id.stack}/${randomUUID()}.json`, JSON.stringify({ data: lock })]);
    } finally {
      await client.end();
    }
  }

  it('is shared: a second worker reads the first one\'s outputs, secrets included, and history is pruned', async () => {
    const url = await server.database('pulumi_shared');
    const first = open(url);
    const second = open(url);
    const stacks = new ComponentStacks(first.pulumi, 2);
    for (let update = 0; update < 4; update += 1) await stacks.up(id, program, {});
    const outputs = await new ComponentStacks(second.pulumi).outputs(id, program);
    expect(outputs).toEqual({ token: { value: 's3cret-token', secret: true }, image: { value: 'orders:v1', secret: false } });
    // Read without the engine (drift checks): the state entry as the engine wrote it, secrets encrypted.
    const recorded = await second.pulumi.stackState(id);
    expect(JSON.parse(recorded!)).toMatchObject({ checkpoint: { latest: { resources: expect.any(Array) } } });
    expect(recorded).not.toContain('s3cret-token');
    expect(await second.pulumi.stackState({ ...id, stack: 'orders.none.production' })).toBeUndefined();
    // Both generated nothing of their own: the passphrase is the store's.
    expect(await second.pulumi.passphrase()).toBe(await first.pulumi.passphrase());
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const history = (await client.query<{ key: string }>(`SELECT key FROM pulumi_state WHERE key LIKE '%/.pulumi/history/shop/orders.api.production/%.history.json'`)).rows;
      expect(history).toHaveLength(2);
      // The secret is encrypted in the state, never stored as its value.
      const state = (await client.query<{ data: unknown }>(`SELECT data FROM pulumi_state WHERE key LIKE '%/.pulumi/stacks/shop/orders.api.production.json'`)).rows[0];
      expect(JSON.stringify(state)).not.toContain('s3cret-token');
    } finally {
      await client.end();
    }
  });

  it('clears a lock left by a machine that runs no worker any more, and waits for one whose machine does', async () => {
    const url = await server.database('pulumi_locks');
    const store = open(url);
    const stacks = new ComponentStacks(store.pulumi);
    await stacks.up(id, program, {});

    await insertLock(url, 'gone-machine', 4242);
    const cleared: string[] = [];
    await stacks.up(id, program, {}, { onStaleLockCleared: (note) => void cleared.push(note) });
    expect(cleared).toEqual([expect.stringContaining('left by an engine that no longer runs (pid 4242 on gone-machine')]);
    expect(await lockRows(url)).toEqual([]);

    // Another machine whose worker beats: its engine may be mid-update, so the update waits its turn.
    const other = new StateDatabase(url);
    try {
      await other.query(`INSERT INTO deployer_workers (host, pid, seen_at) VALUES ('busy-machine', 7, now())`);
      await insertLock(url, 'busy-machine', 4343);
      const started = Date.now();
      const waiting = stacks.up(id, program, {}, { onStaleLockCleared: (note) => void cleared.push(note) });
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(await lockRows(url)).toHaveLength(1);
      await other.query(`DELETE FROM pulumi_state WHERE key LIKE '%/.pulumi/locks/%'`);
      await expect(waiting).resolves.toMatchObject({ outputs: { image: 'orders:v1' } });
      expect(Date.now() - started).toBeGreaterThan(4000);
      expect(cleared).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
