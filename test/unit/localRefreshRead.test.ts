import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EngineEvent } from '@pulumi/pulumi/automation';
import { diffRefreshEvent } from '../../src/pulumi/refreshDiff';
import type { ComponentState } from '../../src/targets/local/api';
import { localComponentProvider } from '../../src/targets/local/providers';
import { refreshWithoutEngine } from '../../src/targets/local/refreshRead';

// The engine's refresh runs the provider's `read` against the runtime; refreshWithoutEngine works the
// same out in the worker. Both are run here against one fake runtime and must find the same drift.

const URN = 'urn:pulumi:sweep::fleet::pulumi-nodejs:dynamic:Resource::component';
const TYPE = 'pulumi-nodejs:dynamic:Resource';
const KEY = 'fleet.sweep.svc.component';
// How the state stores a secret: encrypted, under Pulumi's signature key.
const encrypted = (ciphertext: string) => ({ '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', ciphertext });

let found: ComponentState | undefined;
let server: http.Server;
let home: string;
const previousHome = process.env.DEPLOYER_HOME;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    expect(request.url).toBe(`/v1/components/${KEY}?settled=true`);
    response.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(found ?? { error: 'no such component' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-refresh-read-'));
  fs.mkdirSync(path.join(home, 'local'));
  fs.writeFileSync(path.join(home, 'local', 'runtime.json'), JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  fs.writeFileSync(path.join(home, 'local', 'runtime.token'), 'token');
  process.env.DEPLOYER_HOME = home;
});

afterAll(async () => {
  process.env.DEPLOYER_HOME = previousHome;
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(home, { recursive: true, force: true });
});

/** What the engine reports for a refresh: the recorded outputs (secrets decrypted) and what `read` returned. */
async function engineDrifts(recorded: Record<string, unknown>) {
  const read = await localComponentProvider.read!(KEY, recorded);
  const event = { resOutputsEvent: { metadata: { urn: URN, type: TYPE, op: read.id ? 'refresh' : 'delete', old: { outputs: recorded }, new: read.id ? { outputs: read.props } : undefined } } } as unknown as EngineEvent;
  const drift = diffRefreshEvent(event);
  return drift ? [drift] : [];
}

function withoutEngine(stored: Record<string, unknown>) {
  const drifts = refreshWithoutEngine([{ urn: URN, type: TYPE, id: KEY, outputs: stored }], found);
  if (!drifts) throw new Error('a one-resource local stack was left to the engine');
  return drifts;
}

const queue = { componentKey: KEY, kind: 'SQS', fifo: false, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345600, deadLetterQueue: { enabled: false, maxReceiveCount: 0 }, url: 'http://127.0.0.1:9324/q', arn: 'arn:aws:sqs:local:q', __provider: 'exports.handler = ...' };
const queueState = (actual: Record<string, unknown>, state: 'running' | 'stopped' = 'running'): ComponentState => ({
  kind: 'SQS',
  actual: { kind: 'SQS', fifo: false, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345600, deadLetterQueue: { enabled: false, maxReceiveCount: 0 }, ...actual },
  outputs: { url: 'http://127.0.0.1:9324/q', arn: 'arn:aws:sqs:local:q' },
  secretOutputs: [],
  status: { state },
});

describe('refreshWithoutEngine finds what the engine\'s refresh finds', () => {
  it('a queue as recorded: nothing', async () => {
    found = queueState({});
    expect(withoutEngine(queue)).toEqual([]);
    expect(await engineDrifts(queue)).toEqual([]);
  });

  it('a queue changed behind deployer\'s back, or stopped', async () => {
    for (const state of [queueState({ visibilityTimeoutSeconds: 99, deadLetterQueue: { enabled: true, maxReceiveCount: 3 } }), queueState({}, 'stopped')]) {
      found = state;
      const drifts = withoutEngine(queue);
      expect(drifts).toHaveLength(1);
      expect(drifts).toEqual(await engineDrifts(queue));
    }
  });

  it('a component deleted behind deployer\'s back', async () => {
    found = undefined;
    expect(withoutEngine(queue)).toEqual([{ urn: URN, type: TYPE, name: 'component', kind: 'deleted', fields: [] }]);
    expect(await engineDrifts(queue)).toEqual(withoutEngine(queue));
  });

  it('secrets: compared by neither, and never decrypted or taken from the runtime', async () => {
    const database = { componentKey: KEY, kind: 'RDS', engine: 'postgres', version: '16', database: 'users', username: 'app', endpoint: '127.0.0.1:5432', port: '5432', password: 'pw-1' };
    found = { kind: 'RDS', actual: { kind: 'RDS', engine: 'postgres', version: '15', database: 'users', username: 'app' }, outputs: { endpoint: '127.0.0.1:5432', port: '5432', password: 'pw-2' }, secretOutputs: ['password'], status: { state: 'running' } };
    const drifts = withoutEngine({ ...database, password: encrypted('c1') });
    expect(drifts.flatMap((drift) => drift.fields)).toEqual([{ field: 'version', recorded: '16', actual: '15' }]);
    expect(JSON.stringify(drifts)).not.toContain('pw-2');
    // The engine sees the password rotated, an output no drift rule reports; every other field alike.
    expect((await engineDrifts(database)).flatMap((drift) => drift.fields).filter((field) => field.field !== 'password')).toEqual(drifts[0]!.fields);

    const service = { componentKey: KEY, kind: 'MicroService', image: 'api:v1', replicas: 2, environment: { LOG: 'info' }, url: 'http://127.0.0.1:8080' };
    found = { kind: 'MicroService', actual: { kind: 'MicroService', image: 'api:v1', replicas: 5, environment: { LOG: 'info' } }, outputs: { url: 'http://127.0.0.1:8080' }, secretOutputs: [], status: { state: 'running' } };
    const scaled = withoutEngine({ ...service, secretEnvironment: encrypted('c2') });
    expect(scaled.flatMap((drift) => drift.fields)).toEqual([{ field: 'replicas', recorded: 2, actual: 5 }]);
    expect(await engineDrifts({ ...service, secretEnvironment: { TOKEN: 'plain' } })).toEqual(scaled);
  });

  it('leaves a stack of other than one resource to the engine', () => {
    found = queueState({});
    expect(refreshWithoutEngine([], found)).toBeUndefined();
  });
});
