import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { createReleaseReadActivities } from '../../activities/releaseReads';
import { planBaseline, ReleaseReads, serviceHistory, temporalReleaseReads } from '../../src/client/releases';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import type { ReleasedComponent, ReleaseRecord, ReleaseResult } from '../../src/releases/releaseRecord';
import { DeployedReleases, MAX_RELEASES_PER_READ, ServiceReleases } from '../../src/temporal/releaseReads';
import { ReleasesUnavailableError } from '../../src/errors';
import { freePort } from '../../src/tcpPorts';

const api = { id: 'orders/api', service: 'orders', name: 'api', kind: 'MicroService', spec: { image: 'orders:v1' }, dependsOn: [], configs: [{ path: 'app.yaml', content: 'level: info' }], specHash: 'h1' } as unknown as ReleasedComponent;

let sequence = 0;
function release(service: string, version: string, result: ReleaseResult): ReleaseRecord {
  sequence += 1;
  const at = new Date(Date.UTC(2026, 0, 1) + sequence * 60_000).toISOString();
  return {
    stack: 'shop',
    environment: 'production',
    service,
    version,
    deployedBy: 'ana@company.com',
    startedAt: at,
    finishedAt: at,
    result,
    workflowId: `deploy/shop/production/${service}`,
    components: result === 'rejected' ? [] : [api],
    serviceSpec: { team: 'orders' } as unknown as ReleaseRecord['serviceSpec'],
    environmentSpec: { target: 'local' } as unknown as ReleaseRecord['environmentSpec'],
    groups: { leads: ['carol@company.com'] },
    policy: { requiresApproval: false } as unknown as ReleaseRecord['policy'],
  };
}

describe('the worker reading its release log for clients (readReleaseLog)', () => {
  let dir: string;
  let store: FileReleaseStore;
  let read: ReturnType<typeof createReleaseReadActivities>['readReleaseLog'];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-release-reads-'));
    store = new FileReleaseStore(dir);
    read = createReleaseReadActivities({ releases: store }).readReleaseLog;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers a service\'s newest releases without specs, config files or settings, and its last good and last deployed ones however old', async () => {
    await store.append(release('orders', 'v1', 'succeeded'));
    await store.append(release('orders', 'v2', 'rolled_back'));
    await store.append(release('orders', 'v3', 'rejected'));
    const answer = (await read({ read: 'service', stack: 'shop', environment: 'production', service: 'orders', limit: 1 })) as ServiceReleases;
    expect(answer.releases.map((entry) => entry.version)).toEqual(['v3']);
    expect(answer.lastSuccessful).toMatchObject({ version: 'v1', components: [{ id: 'orders/api', name: 'api', kind: 'MicroService' }] });
    expect(answer.lastDeployed?.version).toBe('v2');
    const text = JSON.stringify(answer);
    for (const absent of ['serviceSpec', 'environmentSpec', 'groups', 'policy', 'level: info', 'orders:v1']) expect(text).not.toContain(absent);
  });

  it('caps the number of releases a read returns, so an answer stays under Temporal\'s payload limit', async () => {
    const long = new FileReleaseStore(dir, MAX_RELEASES_PER_READ * 2);
    for (let index = 0; index < MAX_RELEASES_PER_READ + 5; index += 1) await long.append(release('orders', `v${index}`, 'succeeded'));
    const answer = (await read({ read: 'service', stack: 'shop', environment: 'production', service: 'orders', limit: 10_000 })) as ServiceReleases;
    expect(answer.releases).toHaveLength(MAX_RELEASES_PER_READ);
    const none = (await read({ read: 'service', stack: 'shop', environment: 'production', service: 'payments', limit: 5 })) as ServiceReleases;
    expect(none).toEqual({ releases: [], lastSuccessful: null, lastDeployed: null });
  });

  it('answers what each service of a stack runs, leaving out services that never had a good release', async () => {
    await store.append(release('orders', 'v1', 'succeeded'));
    await store.append(release('payments', 'v1', 'rejected'));
    const answer = (await read({ read: 'deployed', stack: 'shop', environment: 'production' })) as DeployedReleases;
    expect(answer).toEqual({ services: [{ service: 'orders', components: [api] }] });
  });
});

function fakeReads(deployed: () => Promise<DeployedReleases>): ReleaseReads {
  return {
    serviceReleases: async () => ({ releases: [], lastSuccessful: null, lastDeployed: null }),
    deployedReleases: deployed,
  };
}

describe('planBaseline: what a plan compares the repo with', () => {
  it('is each service\'s released components and the list of deployed services, as the worker answers', async () => {
    const baseline = await planBaseline(fakeReads(async () => ({ services: [{ service: 'orders', components: [api] }] })), 'shop', 'production');
    expect(baseline.comparedWithDeployed).toBe(true);
    expect(baseline.deployed).toEqual(['orders']);
    expect(baseline.released('orders')).toEqual([api]);
    expect(baseline.released('payments')).toEqual([]);
  });

  it('is the repo alone, saying why, when Temporal or the worker does not answer', async () => {
    const baseline = await planBaseline(fakeReads(async () => Promise.reject(new ReleasesUnavailableError('cannot reach Temporal at 127.0.0.1:1', 'TEMPORAL_UNREACHABLE'))), 'shop', 'production');
    expect(baseline).toMatchObject({ comparedWithDeployed: false, deployed: [], reason: 'cannot reach Temporal at 127.0.0.1:1' });
    expect(baseline.released('orders')).toEqual([]);
  });

  it('fails when the worker answered with an error: that is no reason to plan as if nothing were deployed', async () => {
    await expect(planBaseline(fakeReads(async () => Promise.reject(new Error('release log unreadable'))), 'shop', 'production')).rejects.toThrow('release log unreadable');
  });
});

describe('temporalReleaseReads', () => {
  function fakeClient(execute: (type: string, options: Record<string, unknown>) => Promise<unknown>) {
    const calls: { type: string; options: Record<string, unknown> }[] = [];
    const client = {
      workflow: {
        execute: (type: string, options: Record<string, unknown>) => {
          calls.push({ type, options });
          return execute(type, options);
        },
      },
    } as unknown as Client;
    return { client, calls };
  }

  it('runs readReleases on the worker\'s task queue, a new workflow id per read, bounded by the timeout', async () => {
    const { client, calls } = fakeClient(async () => ({ releases: [], lastSuccessful: null, lastDeployed: null }));
    const reads = temporalReleaseReads({ client, address: 'temporal:7233', taskQueue: 'q1', timeoutMs: 5000 });
    await serviceHistory(reads, { stack: 'shop', environment: 'production', service: 'orders' }, 3);
    await serviceHistory(reads, { stack: 'shop', environment: 'production', service: 'orders' }, 3);
    expect(calls[0]).toMatchObject({
      type: 'readReleases',
      options: { taskQueue: 'q1', workflowExecutionTimeout: 5000, args: [{ read: 'service', stack: 'shop', environment: 'production', service: 'orders', limit: 3 }] },
    });
    expect(calls[0]!.options.workflowId).toMatch(/^read-releases:shop:production:/);
    expect(calls[0]!.options.workflowId).not.toBe(calls[1]!.options.workflowId);
  });

  it('says no worker answered, and how to start one, when the read times out', async () => {
    const timedOut = new WorkflowFailedError('Workflow execution timed out', new TimeoutFailure('Workflow execution timed out', undefined, TimeoutType.START_TO_CLOSE), RetryState.TIMEOUT);
    const { client } = fakeClient(async () => Promise.reject(timedOut));
    const reads = temporalReleaseReads({ client, address: 'temporal:7233', taskQueue: 'q1', timeoutMs: 5000 });
    const failure = await reads.deployedReleases({ stack: 'shop', environment: 'production' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReleasesUnavailableError);
    expect(failure).toMatchObject({ code: 'WORKER_NOT_ANSWERING' });
    expect((failure as Error).message).toBe(
      'no deployer worker answered on task queue q1 of Temporal at temporal:7233 within 5s. Start the local one with `deployer dev start`, or check that yours runs (and runs this version of deployer).',
    );
  });

  it('says Temporal is unreachable at its address when it cannot connect', async () => {
    const reads = temporalReleaseReads({ settings: { address: '127.0.0.1:1', namespace: 'default' }, taskQueue: 'q1' });
    try {
      const failure = await reads.deployedReleases({ stack: 'shop', environment: 'production' }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'TEMPORAL_UNREACHABLE' });
      expect((failure as Error).message).toMatch(/^cannot reach Temporal at 127\.0\.0\.1:1 \(.*\)\. Start the local one with `deployer dev start`/);
    } finally {
      await reads.close();
    }
  });

  describe('an HTTP address assumed by convention, not told', () => {
    let notTemporal: http.Server;
    let notTemporalAddress: string;
    beforeAll(async () => {
      notTemporal = http.createServer((_request, response) => response.end('hello'));
      await new Promise<void>((resolve) => notTemporal.listen(0, '127.0.0.1', resolve));
      notTemporalAddress = `127.0.0.1:${(notTemporal.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => notTemporal.close(resolve)));

    const firstFailure = async (httpAddress: string, httpAddressAssumed: boolean) => {
      const reads = temporalReleaseReads({ settings: { address: '127.0.0.1:1', httpAddress, httpAddressAssumed, namespace: 'default' }, taskQueue: 'q1' });
      try {
        return (await reads.deployedReleases({ stack: 'shop', environment: 'production' }).catch((error: unknown) => error)) as Error;
      } finally {
        await reads.close();
      }
    };

    it('reads over gRPC when nothing listens there, where a told one fails naming it', async () => {
      const nothing = `127.0.0.1:${await freePort()}`;
      expect((await firstFailure(nothing, true)).message).toMatch(/^cannot reach Temporal at 127\.0\.0\.1:1 /);
      expect((await firstFailure(nothing, false)).message).toMatch(/^cannot reach Temporal's HTTP API at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    });

    it('reads over gRPC when another server answers there, where a told one fails naming it', async () => {
      expect((await firstFailure(notTemporalAddress, true)).message).toMatch(/^cannot reach Temporal at 127\.0\.0\.1:1 /);
      expect((await firstFailure(notTemporalAddress, false)).message).toMatch(/^what answers at 127\.0\.0\.1:\d+ is not Temporal's HTTP API \(HTTP 200: hello\)/);
    });
  });
});
