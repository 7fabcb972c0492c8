import { describeChecks, renderHealth } from '../../cli/render/health';
import { calendar, elapsed, hanging, isoSeconds, shortIdentity, table, thousands, withArticle, wrap } from '../../src/client/render/format';
import { historyRow, releaseSummary, renderHistory } from '../../cli/render/history';
import { formatLogLine } from '../../cli/render/logs';
import { metricsVerdict, renderMetrics, verdictLine, MetricsReport } from '../../cli/render/metrics';
import { withoutSecrets } from '../../cli/observe';
import { renderShow, renderTimeline, MAX_EVENTS_SHOWN } from '../../cli/render/show';
import { renderTestResults } from '../../cli/render/tests';
import type { ReleaseRecord } from '../../src/releases/releaseRecord';
import type { ComponentHealth, ComponentMetrics, ComponentState, RuntimeEvent } from '../../src/targets/observer';

// The renderers of logs / metrics / health / show / history / test, with exact expected output.

const missionMetrics: ComponentMetrics = {
  since: '2026-01-15T13:30:00.000Z',
  until: '2026-01-15T14:30:00.000Z',
  requests: { total: 125432, success: 125407, errors: 25, successRatePercent: 99.98, errorRatePercent: 0.02 },
  latencyMs: { p50: 45, p95: 156, p99: 320, max: 1243 },
  resources: { cpuPercent: { avg: 45.2, max: 78 }, memoryPercent: { avg: 62, max: 85.4 } },
  replicas: { current: 5, desired: 5, healthy: 5 },
};

const report = (overrides: Partial<MetricsReport> = {}): MetricsReport => ({
  component: 'notification-service/api',
  environment: 'production',
  kind: 'MicroService',
  window: 'last 1 hour',
  metrics: missionMetrics,
  autoscaling: { minReplicas: 5, maxReplicas: 20, targetCPU: 70 },
  thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 },
  ...overrides,
});

describe('formatting helpers', () => {
  it('formats times, counts, durations and identities as the mission shows them', () => {
    expect(isoSeconds('2026-01-15T14:30:01.123Z')).toBe('2026-01-15T14:30:01Z');
    expect(isoSeconds('not a time')).toBe('not a time');
    expect(thousands(125432)).toBe('125,432');
    expect(thousands(999)).toBe('999');
    expect([850, 1530, 12_000, 272_000, 3_900_000].map(elapsed)).toEqual(['850ms', '1.5s', '12s', '4m 32s', '1h 5m']);
    expect(shortIdentity('alice@company.com')).toBe('alice@company');
    expect(shortIdentity('bob@example.co.uk')).toBe('bob@example');
    expect(shortIdentity('ci-bot')).toBe('ci-bot');
    expect(calendar('2026-01-15T14:30:59Z', 'UTC')).toEqual({ ymd: '2026-01-15', day: 'Jan 15', time: '14:30' });
    expect(calendar('2026-01-15T23:30:00Z', 'Asia/Tokyo')).toEqual({ ymd: '2026-01-16', day: 'Jan 16', time: '08:30' });
    expect(calendar('2026-03-01T00:05:00Z', 'UTC')).toEqual({ ymd: '2026-03-01', day: 'Mar 1', time: '00:05' });
  });

  it('wraps long text at spaces, with hanging indents', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrap('a-very-long-word here', 5)).toEqual(['a-very-long-word', 'here']);
    expect(wrap('', 10)).toEqual(['']);
    expect(hanging('  Reason:   ', 'the new replicas failed their health checks and were stopped', 40)).toEqual([
      '  Reason:   the new replicas failed',
      '            their health checks and were',
      '            stopped',
    ]);
    expect(['MicroService', 'RDS', 'SQS', 'ElastiCacheRedis'].map(withArticle)).toEqual(['a MicroService', 'an RDS', 'an SQS', 'an ElastiCacheRedis']);
  });

  it('pads every column but the last', () => {
    expect(table([['a', 'bbb', 'c'], ['dddd', 'e', 'f']], 2)).toEqual(['a     bbb  c', 'dddd  e    f']);
    expect(table([['x', 'y']], 1, [4])).toEqual(['x    y']);
  });
});

describe('logs', () => {
  it('prints timestamp to the second, the replica, two spaces and the message', () => {
    expect(formatLogLine({ at: '2026-01-15T14:30:01.532Z', source: 'api-3f2a1b', stream: 'stdout', message: 'INFO email sent to ana@example.com' })).toBe(
      '2026-01-15T14:30:01Z api-3f2a1b  INFO email sent to ana@example.com',
    );
  });
});

describe('metrics', () => {
  it('renders the mission\'s Metrics box', () => {
    expect(renderMetrics(report())).toBe(
      [
        '┌────────────────────────────────────────────────────────────┐',
        '│ Metrics: notification-service/api (last 1 hour)            │',
        '├────────────────────────────────────────────────────────────┤',
        '│                                                            │',
        '│ Request Metrics:                                           │',
        '│   Total requests:    125,432                               │',
        '│   Success rate:      99.98%                                │',
        '│   Error rate:        0.02%                                 │',
        '│                                                            │',
        '│ Latency:                                                   │',
        '│   P50:               45ms                                  │',
        '│   P95:               156ms                                 │',
        '│   P99:               320ms                                 │',
        '│   Max:               1,243ms                               │',
        '│                                                            │',
        '│ Resource Usage:                                            │',
        '│   CPU:               45% (avg) / 78% (max)                 │',
        '│   Memory:            62% (avg) / 85% (max)                 │',
        '│                                                            │',
        '│ Autoscaling:                                               │',
        '│   Current replicas:  5                                     │',
        '│   Min replicas:      5                                     │',
        '│   Max replicas:      20                                    │',
        '│   Target CPU:        70%                                   │',
        '│                                                            │',
        '│ ✓ All metrics within normal range                          │',
        '└────────────────────────────────────────────────────────────┘',
      ].join('\n'),
    );
  });

  it('omits min/max/target when the spec could not be read, and says so when there were no requests', () => {
    const idle = { ...missionMetrics, requests: { total: 0, success: 0, errors: 0, successRatePercent: 100, errorRatePercent: 0 }, latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 } };
    const lines = renderMetrics(report({ autoscaling: undefined, metrics: idle, window: 'last 30 minutes' })).split('\n');
    expect(lines[1]).toBe('│ Metrics: notification-service/api (last 30 minutes)        │');
    expect(lines).toContain('│   Success rate:      n/a (no requests)                     │');
    expect(lines).toContain('│   P99:               n/a                                   │');
    expect(lines).toContain('│   Current replicas:  5                                     │');
    expect(lines.some((line) => /Min replicas|Max replicas|Target CPU/.test(line))).toBe(false);
    expect(lines).toContain('│ ✓ All metrics within normal range                          │');
  });

  it('names every threshold that is exceeded, and only those', () => {
    const thresholds = { errorRatePercent: 5, p99LatencyMs: 2000 };
    const bad = (errorRatePercent: number, p99: number): ComponentMetrics => ({
      ...missionMetrics,
      requests: { ...missionMetrics.requests, errorRatePercent, successRatePercent: 100 - errorRatePercent },
      latencyMs: { ...missionMetrics.latencyMs, p99, max: Math.max(p99, 1243) },
    });
    expect(metricsVerdict(bad(5, 2000), thresholds)).toEqual({ ok: true, breaches: [] });
    expect(metricsVerdict(bad(33.33, 2000), thresholds)).toEqual({ ok: false, breaches: ['error rate 33.33% > 5%'] });
    expect(metricsVerdict(bad(1, 2400), thresholds)).toEqual({ ok: false, breaches: ['P99 latency 2,400ms > 2,000ms'] });
    const both = metricsVerdict(bad(6.25, 2400), thresholds);
    expect(verdictLine(both)).toBe('⚠ Over the rollback thresholds: error rate 6.25% > 5%, P99 latency 2,400ms > 2,000ms');
    // Wrapped inside the 80-column box, under the line's start.
    expect(renderMetrics(report({ metrics: bad(6.25, 2400) })).split('\n')).toEqual(
      expect.arrayContaining(['│ ⚠ Over the rollback thresholds: error rate 6.25% > 5%, P99 latency 2,400ms > │', '│   2,000ms                                                                    │']),
    );
  });

  it('shows no request metrics or autoscaling for a data component', () => {
    const lines = renderMetrics(report({ component: 'notification-service/database', kind: 'RDS', autoscaling: undefined })).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['│ No request metrics: notification-service/database is an RDS, not a │', '│   MicroService.                                                    │']));
    expect(lines.some((line) => line.includes('Autoscaling') || line.includes('Latency'))).toBe(false);
  });
});

describe('health', () => {
  const checks = (...results: [boolean, number | undefined, string?][]) =>
    results.map(([ok, status, error], index) => ({ at: `2026-01-15T14:30:0${index}.250Z`, ok, status, error, durationMs: 2 + index }));
  const health: ComponentHealth = {
    kind: 'MicroService',
    healthy: false,
    summary: '1/2 replicas healthy',
    replicas: [
      { replica: 'api-3f2a1b', version: 'v1.2.0', pid: 101, port: 4001, state: 'healthy', startedAt: '2026-01-15T14:29:00Z', restarts: 0, checks: checks([true, 200], [true, 200], [true, 200]) },
      { replica: 'api-9c1d2e', version: 'v1.2.0', pid: 102, port: 4002, state: 'unhealthy', startedAt: '2026-01-15T14:29:00Z', restarts: 2, checks: checks([true, 200], [false, 503], [false, undefined, 'connect ECONNREFUSED']) },
    ],
  };

  it('gives the verdict, then state, version, restarts and checks per replica', () => {
    expect(renderHealth('notification-service/api', 'staging', health)).toBe(
      [
        '┌─────────────────────────────────────────────────────────────────────────────┐',
        '│ Health: notification-service/api (staging)                                  │',
        '├─────────────────────────────────────────────────────────────────────────────┤',
        '│ ✗ Unhealthy: 1/2 replicas healthy                                           │',
        '├─────────────────────────────────────────────────────────────────────────────┤',
        '│ Replica      State       Version   Restarts   Last checks (oldest → newest) │',
        '│ api-3f2a1b   healthy     v1.2.0    0          ✓✓✓  HTTP 200 in 4ms at       │',
        '│                                                    2026-01-15T14:30:02Z     │',
        '│ api-9c1d2e   unhealthy   v1.2.0    2          ✓✗✗  connect ECONNREFUSED in  │',
        '│                                                    4ms at                   │',
        '│                                                    2026-01-15T14:30:02Z     │',
        '└─────────────────────────────────────────────────────────────────────────────┘',
      ].join('\n'),
    );
  });

  it('says when a replica has not been checked yet, and gives a data component\'s summary alone', () => {
    expect(describeChecks([])).toBe('no checks yet');
    const database: ComponentHealth = { kind: 'RDS', healthy: true, summary: 'PostgreSQL accepting connections on port 5432', replicas: [] };
    expect(renderHealth('notification-service/database', 'staging', database).split('\n').slice(1, 4)).toEqual([
      '│ Health: notification-service/database (staging)            │',
      '├────────────────────────────────────────────────────────────┤',
      '│ ✓ Healthy: PostgreSQL accepting connections on port 5432   │',
    ]);
  });
});

const release = (overrides: Partial<ReleaseRecord>): ReleaseRecord => ({
  stack: 'user-platform',
  environment: 'production',
  service: 'notification-service',
  version: 'v1.3.0',
  deployedBy: 'alice@company.com',
  startedAt: '2026-01-15T14:30:00.000Z',
  finishedAt: '2026-01-15T14:34:32.000Z',
  result: 'succeeded',
  workflowId: 'deploy/user-platform/production/notification-service',
  components: [{ id: 'notification-service/api' } as ReleaseRecord['components'][number]],
  serviceSpec: {} as ReleaseRecord['serviceSpec'],
  environmentSpec: {} as ReleaseRecord['environmentSpec'],
  groups: {},
  ...overrides,
});

describe('history', () => {
  const records = [
    // Waited 10 minutes for an approver: the deployment itself took 4m 32s.
    release({ kind: 'deploy', startedAt: '2026-01-15T14:20:00Z', finishedAt: '2026-01-15T14:34:32Z', approval: { requestedAt: '2026-01-15T14:20:00Z', decidedAt: '2026-01-15T14:30:00Z' } }),
    release({ version: 'v1.2.0', kind: 'rollback', deployedBy: 'bob@company.com', startedAt: '2026-01-14T10:15:00Z', finishedAt: '2026-01-14T10:19:18Z' }),
    release({ version: 'v1.1.9', kind: 'deploy', startedAt: '2026-01-13T16:45:00Z', finishedAt: '2026-01-13T16:52:00Z', result: 'rolled_back', reason: 'monitoring breached: error rate 33% > 5%' }),
    // Written before kinds and approval waits were recorded: read as a deploy with no wait.
    release({ version: 'v1.1.8', deployedBy: 'bob@company.com', startedAt: '2026-01-12T11:20:00Z', finishedAt: '2026-01-12T11:25:12Z' }),
    release({ version: 'v1.1.7', kind: 'remediate', startedAt: '2026-01-11T09:30:00Z', finishedAt: '2026-01-11T09:34:55Z' }),
  ];

  it('renders the mission\'s Deployment History table', () => {
    expect(renderHistory('notification-service', 'production', records, 'UTC')).toBe(
      [
        '┌───────────────────────────────────────────────────────────────────────┐',
        '│ Deployment History: notification-service (production)                 │',
        '├───────────────────────────────────────────────────────────────────────┤',
        '│ Version  Kind       Date    Time   By             Duration     Waited │',
        '├───────────────────────────────────────────────────────────────────────┤',
        '│ v1.3.0   deploy     Jan 15  14:20  alice@company  4m 32s ✓     10m 0s │',
        '│ v1.2.0   rollback   Jan 14  10:15  bob@company    4m 18s ✓            │',
        '│ v1.1.9   deploy     Jan 13  16:45  alice@company  Rolled back         │',
        '│ v1.1.8   deploy     Jan 12  11:20  bob@company    5m 12s ✓            │',
        '│ v1.1.7   remediate  Jan 11  09:30  alice@company  4m 55s ✓            │',
        '└───────────────────────────────────────────────────────────────────────┘',
      ].join('\n'),
    );
  });

  it('says how a deployment ended when it did not succeed', () => {
    const outcome = (result: ReleaseRecord['result']) => historyRow(release({ result }), 'UTC')[5];
    expect(['failed', 'rolled_back', 'cancelled', 'rejected', 'succeeded'].map((result) => outcome(result as ReleaseRecord['result']))).toEqual([
      'Failed',
      'Rolled back',
      'Cancelled',
      'Rejected',
      '4m 32s ✓',
    ]);
  });

  it('says when there is no history yet, and summarizes releases for JSON without their specs', () => {
    expect(renderHistory('notification-service', 'staging', [], 'UTC').split('\n')[3]).toBe('│ No deployments of notification-service to staging are recorded yet. │');
    expect(releaseSummary(records[2]!)).toEqual({
      version: 'v1.1.9',
      kind: 'deploy',
      result: 'rolled_back',
      deployedBy: 'alice@company.com',
      startedAt: '2026-01-13T16:45:00Z',
      finishedAt: '2026-01-13T16:52:00Z',
      durationMs: 420_000,
      reason: 'monitoring breached: error rate 33% > 5%',
      workflowId: 'deploy/user-platform/production/notification-service',
      components: ['notification-service/api'],
    });
    expect(releaseSummary(records[0]!)).toMatchObject({ kind: 'deploy', durationMs: 872_000, approval: { requestedAt: '2026-01-15T14:20:00Z', decidedAt: '2026-01-15T14:30:00Z' }, approvalWaitMs: 600_000 });
    expect(releaseSummary(records[1]!)).toMatchObject({ kind: 'rollback' });
  });
});

describe('show', () => {
  const ref = { stack: 'user-platform', environment: 'staging', service: 'notification-service', component: 'database' };
  const database: ComponentState = {
    kind: 'RDS',
    actual: { kind: 'RDS', engine: 'postgres', version: '16', database: 'notifications', username: 'app' },
    outputs: { endpoint: '127.0.0.1', port: '40123', database: 'notifications', username: 'app', password: 's3cr3t-value' },
    secretOutputs: ['password'],
    status: { state: 'running', version: '16' },
  };
  const events: RuntimeEvent[] = [
    { at: '2026-01-15T14:30:00.100Z', type: 'created', message: 'PostgreSQL created' },
    { at: '2026-01-15T14:30:04.900Z', type: 'started', message: 'PostgreSQL started on port 40123' },
    { at: '2026-01-15T14:31:00.000Z', type: 'restarted', replica: 'api-1', message: 'replacing api-1 in 1 s (restart 1)' },
    {
      at: '2026-01-15T14:32:00.000Z',
      type: 'rollout',
      message: 'rollout of v1.4.0-unhealthy failed: v1.4.0-unhealthy replica api-722377 unhealthy (/health -> HTTP 503); last log: ERROR health check failing',
    },
  ];

  it('shows what runs, secret outputs only as (secret), the service\'s last release and the events, long messages wrapped', () => {
    const text = renderShow({ ref, state: withoutSecrets(database), lastRelease: release({ environment: 'staging' }), lastSuccessful: undefined, events }, 'UTC');
    expect(text).not.toContain('s3cr3t-value');
    expect(text).toBe(
      [
        '┌────────────────────────────────────────────────────────────────────────────┐',
        '│ Component: notification-service/database (staging)                         │',
        '├────────────────────────────────────────────────────────────────────────────┤',
        '│ Kind:      RDS                                                             │',
        '│ Stack:     user-platform                                                   │',
        '│ Status:    running                                                         │',
        '│ Version:   16                                                              │',
        '│ Engine:    postgres 16                                                     │',
        '│ Database:  notifications                                                   │',
        '│ Outputs:                                                                   │',
        '│   endpoint  127.0.0.1                                                      │',
        '│   port      40123                                                          │',
        '│   database  notifications                                                  │',
        '│   username  app                                                            │',
        '│   password  (secret)                                                       │',
        '├────────────────────────────────────────────────────────────────────────────┤',
        '│ Last release of notification-service: v1.3.0 ✓ succeeded                   │',
        '│   When:     2026-01-15 14:30 by alice@company.com (took 4m 32s)            │',
        '│   Workflow: deploy/user-platform/production/notification-service           │',
        '├────────────────────────────────────────────────────────────────────────────┤',
        '│ Events (4, oldest first):                                                  │',
        '│   2026-01-15T14:30:00Z  + created    PostgreSQL created                    │',
        '│   2026-01-15T14:30:04Z  ▸ started    PostgreSQL started on port 40123      │',
        '│   2026-01-15T14:31:00Z  ⟳ restarted  replacing api-1 in 1 s (restart 1)    │',
        '│   2026-01-15T14:32:00Z  ⟳ rollout    rollout of v1.4.0-unhealthy failed:   │',
        '│                                      v1.4.0-unhealthy replica api-722377   │',
        '│                                      unhealthy (/health -> HTTP 503); last │',
        '│                                      log: ERROR health check failing       │',
        '└────────────────────────────────────────────────────────────────────────────┘',
      ].join('\n'),
    );
    expect(withoutSecrets(database).outputs).toEqual({ endpoint: '127.0.0.1', port: '40123', database: 'notifications', username: 'app', password: '(secret)' });
  });

  it('shows a MicroService\'s image and replicas, and the last good release after a rollback, its reason wrapped', () => {
    const api: ComponentState = {
      kind: 'MicroService',
      actual: { image: 'notification-api:v1.2.0', replicas: 2 },
      outputs: { url: 'http://127.0.0.1:41305' },
      secretOutputs: [],
      status: { state: 'running', desiredReplicas: 2, healthyReplicas: 2, version: 'v1.2.0', url: 'http://127.0.0.1:41305' },
    };
    const rolledBack = release({
      version: 'v1.4.0-unhealthy',
      result: 'rolled_back',
      reason:
        'wave 1 failed: notification-service/api: api: v1.4.0-unhealthy replica api-722377 unhealthy (/health -> HTTP 503); last log: ERROR health check failing: version v1.4.0-unhealthy is built to fail its health check; v1.2.0 keeps serving',
      startedAt: '2026-01-15T15:00:00Z',
      finishedAt: '2026-01-15T15:01:10Z',
    });
    const good = release({});
    expect(renderShow({ ref: { ...ref, component: 'api' }, state: api, lastRelease: rolledBack, lastSuccessful: good }, 'UTC')).toBe(
      [
        '┌──────────────────────────────────────────────────────────────────────────────┐',
        '│ Component: notification-service/api (staging)                                │',
        '├──────────────────────────────────────────────────────────────────────────────┤',
        '│ Kind:      MicroService                                                      │',
        '│ Stack:     user-platform                                                     │',
        '│ Status:    running                                                           │',
        '│ Version:   v1.2.0                                                            │',
        '│ Image:     notification-api:v1.2.0                                           │',
        '│ Replicas:  2/2 healthy                                                       │',
        '│ Outputs:                                                                     │',
        '│   url  http://127.0.0.1:41305                                                │',
        '├──────────────────────────────────────────────────────────────────────────────┤',
        '│ Last release of notification-service: v1.4.0-unhealthy ⟲ rolled back         │',
        '│   When:     2026-01-15 15:00 by alice@company.com (took 1m 10s)              │',
        '│   Reason:   wave 1 failed: notification-service/api: api: v1.4.0-unhealthy   │',
        '│             replica api-722377 unhealthy (/health -> HTTP 503); last log:    │',
        '│             ERROR health check failing: version v1.4.0-unhealthy is built to │',
        '│             fail its health check; v1.2.0 keeps serving                      │',
        '│   Workflow: deploy/user-platform/production/notification-service             │',
        '│ Last good release: v1.3.0 ✓ succeeded                                        │',
        '│   When:     2026-01-15 14:30 by alice@company.com (took 4m 32s)              │',
        '│   Workflow: deploy/user-platform/production/notification-service             │',
        '└──────────────────────────────────────────────────────────────────────────────┘',
      ].join('\n'),
    );
  });

  it('keeps the timeline to the newest events, saying how many are left out', () => {
    const many = Array.from({ length: MAX_EVENTS_SHOWN + 3 }, (_, index) => ({ at: new Date(Date.UTC(2026, 0, 15, 14, 0, index)).toISOString(), type: 'healthy' as const, message: `event ${index}` }));
    const lines = renderTimeline(many);
    expect(lines[0]).toBe(`Events (${MAX_EVENTS_SHOWN + 3}, oldest first):`);
    expect(lines[1]).toBe('  … 3 earlier events not shown (--json lists them all)');
    expect(lines[2]).toBe('  2026-01-15T14:00:03Z  ✓ healthy  event 3');
    expect(lines).toHaveLength(MAX_EVENTS_SHOWN + 2);
    expect(renderTimeline([])).toEqual(['Events: none recorded']);
  });
});

describe('test results', () => {
  it('prints ✓/✗ per test with detail and duration, then the count', () => {
    const text = renderTestResults('notification-service', 'staging', [
      { name: 'health', passed: true, detail: 'GET /health -> 200', durationMs: 12 },
      { name: 'list-notifications', passed: false, detail: 'GET /notifications -> 500 (expected 200)', durationMs: 1530 },
    ]);
    expect(text).toBe(
      [
        '┌──────────────────────────────────────────────────────────────────────────┐',
        '│ Tests: notification-service (staging)                                    │',
        '├──────────────────────────────────────────────────────────────────────────┤',
        '│ ✓ health               GET /health -> 200                         (12ms) │',
        '│ ✗ list-notifications   GET /notifications -> 500 (expected 200)   (1.5s) │',
        '├──────────────────────────────────────────────────────────────────────────┤',
        '│ ✗ 1 of 2 failed                                                          │',
        '└──────────────────────────────────────────────────────────────────────────┘',
      ].join('\n'),
    );
    expect(renderTestResults('notification-service', 'staging', []).split('\n')[3]).toBe('│ notification-service has no tests (spec.tests in its service.yaml). │');
  });
});
