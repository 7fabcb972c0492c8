import { renderDetection, renderRemediation, restoreSummary } from '../../cli/render/drift';
import { driftScheduleJitter, driftScheduleOptions, driftScheduleSpec } from '../../src/drift/schedule';
import type { ComponentDriftReport, DetectDriftResult } from '../../src/temporal/drift';

const release = { version: 'v1.2.0', finishedAt: '2024-01-15T10:00:00Z', deployedBy: 'ana@example.com' };
const inSync = (name: string, kind: ComponentDriftReport['kind']): ComponentDriftReport => ({ id: `notification-service/${name}`, name, kind, status: 'in-sync', fields: [], context: [] });
const scaledApi: ComponentDriftReport = {
  id: 'notification-service/api',
  name: 'api',
  kind: 'MicroService',
  status: 'drifted',
  severity: 'medium',
  cause: 'Manual scaling outside deployer (console / deployer local scale)',
  fields: [{ field: 'replicas', specPath: ['scaling', 'replicas'], desired: 5, actual: 3, severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' }],
  context: [
    { field: 'replicas', desired: 5, actual: 3, drifted: true },
    { field: 'cpu', desired: 512, actual: 512, drifted: false },
    { field: 'memory', desired: 1024, actual: 1024, drifted: false },
  ],
  firstSeen: '2024-01-15T16:45:00.000Z',
};
const result = (components: ComponentDriftReport[], extra: Partial<DetectDriftResult['services'][number]> = {}): DetectDriftResult => ({
  stack: 'user-platform',
  environment: 'production',
  service: 'notification-service',
  checkedAt: '2024-01-15T16:45:00.000Z',
  trigger: 'cli',
  drifted: components.some((component) => component.status === 'drifted' || component.status === 'deleted'),
  services: [{ service: 'notification-service', status: 'checked', release, components, ...extra }],
  notified: 0,
});

describe('drift detect output', () => {
  it('is the mission\'s Drift Detection box, then the commands for its actions', () => {
    expect(renderDetection(result([scaledApi, inSync('database', 'RDS'), inSync('cache', 'ElastiCacheRedis'), inSync('queue', 'SQS')]), { timeZone: 'UTC' })).toBe(
      [
        '┌───────────────────────────────────────────────────────────────────────────┐',
        '│ Drift Detection: notification-service                                     │',
        '├───────────────────────────────────────────────────────────────────────────┤',
        '│                                                                           │',
        '│ ⚠ MEDIUM: api (MicroService)                                              │',
        '│   Configuration drift detected                                            │',
        '│                                                                           │',
        '│   Desired state:                                                          │',
        '│     replicas: 5                                                           │',
        '│     cpu: 512                                                              │',
        '│     memory: 1024                                                          │',
        '│                                                                           │',
        '│   Actual state:                                                           │',
        '│     replicas: 3          ← Drift detected                                 │',
        '│     cpu: 512                                                              │',
        '│     memory: 1024                                                          │',
        '│                                                                           │',
        '│   Likely cause: Manual scaling outside deployer (console / deployer local │',
        '│                 scale)                                                    │',
        '│   Detected: 2024-01-15 16:45:00                                           │',
        '│                                                                           │',
        '│ ✓ All other components match desired state                                │',
        '│                                                                           │',
        '│ Actions:                                                                  │',
        '│   [Remediate] - Restore to desired state (5 replicas)                     │',
        '│   [Acknowledge] - Mark as expected (update config)                        │',
        '│   [Ignore] - Suppress future alerts                                       │',
        '└───────────────────────────────────────────────────────────────────────────┘',
        '  Remediate:   deployer drift remediate --service notification-service --environment production',
        '  Acknowledge: deployer drift acknowledge --service notification-service --environment production',
        '  Ignore:      deployer drift ignore --service notification-service --environment production --component api --field replicas [--until YYYY-MM-DD]',
      ].join('\n'),
    );
  });

  it('a deleted component is high, says so, and is recreated by remediation', () => {
    const deleted: ComponentDriftReport = {
      id: 'notification-service/api',
      name: 'api',
      kind: 'MicroService',
      status: 'deleted',
      severity: 'high',
      cause: 'deleted outside deployer',
      fields: [],
      context: [
        { field: 'replicas', desired: 2, actual: null, drifted: true },
        { field: 'cpu', desired: 256, actual: null, drifted: true },
        { field: 'memory', desired: 512, actual: null, drifted: true },
      ],
      firstSeen: '2024-01-15T16:45:00.000Z',
    };
    const text = renderDetection(result([deleted, inSync('database', 'RDS')]), { timeZone: 'UTC' });
    expect(text).toContain('│ ⚠ HIGH: api (MicroService)');
    expect(text).toContain('│   Deleted outside deployer: it no longer exists');
    expect(text).toContain('│     (does not exist)     ← Drift detected');
    expect(text).toContain('│   Likely cause: deleted outside deployer');
    expect(text).toContain('│   [Remediate] - Restore to desired state (recreate api)');
    expect(text).toContain('  Ignore:      deployer drift ignore --service notification-service --environment production --component COMPONENT --field FIELD [--until YYYY-MM-DD]');
  });

  it('without drift: every component matches, no actions', () => {
    expect(renderDetection(result([inSync('api', 'MicroService'), inSync('database', 'RDS')]))).toBe(
      [
        '┌────────────────────────────────────────────────────────────┐',
        '│ Drift Detection: notification-service                      │',
        '├────────────────────────────────────────────────────────────┤',
        '│                                                            │',
        '│ ✓ All components match desired state (release v1.2.0)      │',
        '└────────────────────────────────────────────────────────────┘',
      ].join('\n'),
    );
  });

  it('--show-ignored lists the rules and what they hide now', () => {
    const quiet: ComponentDriftReport = { ...inSync('api', 'MicroService'), ignored: [scaledApi.fields[0]!] };
    const text = renderDetection(
      result([quiet], { ignores: [{ component: 'api', field: 'replicas', until: '2024-03-01T00:00:00.000Z', reason: 'load test', by: 'ana@example.com', at: '2024-01-15T10:00:00Z' }] }),
      { showIgnored: true },
    );
    expect(text).toContain('│ ✓ All components match desired state (release v1.2.0)');
    expect(text).toContain('│ Ignored fields:');
    expect(text).toContain('│   api replicas (until 2024-03-01T00:00:00.000Z, by ana@example.com, load │\n│     test): replicas 5 → 3');
  });

  it('says why a service was not checked', () => {
    expect(renderDetection(result([], { status: 'skipped', reason: 'a deployment of notification-service is running (deploy/user-platform/production/notification-service); drift is checked once it has ended' }))).toContain(
      ['│ ⟳ A deployment of notification-service is running                          │', '│   (deploy/user-platform/production/notification-service); drift is checked │', '│   once it has ended.                                                       │'].join('\n'),
    );
  });

  it('summarizes what remediation restores', () => {
    expect(restoreSummary([scaledApi])).toBe('5 replicas');
    expect(restoreSummary([{ ...scaledApi, fields: [{ ...scaledApi.fields[0]!, field: 'cpu', desired: 256 }, { ...scaledApi.fields[0]!, field: 'memory', desired: 512 }] }])).toBe('cpu 256, memory 512');
    expect(
      renderRemediation(
        { phase: 'succeeded', workflowId: 'deploy/user-platform/production/notification-service', version: 'v1.2.0', remediated: ['notification-service/api'], before: result([scaledApi]).services[0]!, after: result([inSync('api', 'MicroService')]).services[0]!, durationMs: 42_000 },
        { service: 'notification-service', environment: 'production' },
      ),
    ).toBe(
      [
        '✓ Remediated drift of notification-service in production: restored 5 replicas (release v1.2.0) in 0m 42s.',
        '  api replicas: 3 → 5',
        '  ✓ All components match desired state now',
        '  Deployment: deploy/user-platform/production/notification-service',
      ].join('\n'),
    );
  });
});

describe('drift schedule', () => {
  it('runs every interval, or on the cron schedule when one is given, skipping overlapping runs', () => {
    expect(driftScheduleSpec({ interval: '10m' })).toEqual({ intervals: [{ every: '10m' }], jitter: 60_000 });
    expect(driftScheduleSpec({ interval: '1h', schedule: '*/15 * * * *' })).toEqual({ cronExpressions: ['*/15 * * * *'], jitter: 60_000 });
    const options = driftScheduleOptions({ stack: 'user-platform', environment: 'production', drift: { interval: '30m' }, taskQueue: 'deployer' });
    expect(options).toMatchObject({
      scheduleId: 'drift/user-platform/production',
      action: { type: 'startWorkflow', workflowType: 'detectDrift', workflowId: 'drift/user-platform/production', taskQueue: 'deployer', args: [{ stack: 'user-platform', environment: 'production', trigger: 'schedule' }] },
      policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
      state: { note: 'deployer drift detection of user-platform in production, every 30m (drift.interval) of environments/production.yaml; updated by each successful deployment.' },
    });
  });

  it('spreads the runs of many schedules by a tenth of the interval, at most 5 minutes', () => {
    expect(driftScheduleJitter({ interval: '30m' })).toBe(180_000);
    expect(driftScheduleJitter({ interval: '1h' })).toBe(300_000);
    expect(driftScheduleJitter({ interval: '24h' })).toBe(300_000);
    expect(driftScheduleJitter({ interval: '5m', schedule: '0 * * * *' })).toBe(60_000);
  });

  it('says "1 replica", not "1 replicas"', () => {
    const scaled = (desired: number) => ({ id: 'svc/api', name: 'api', kind: 'MicroService', status: 'drifted', fields: [{ field: 'replicas', specPath: ['scaling', 'replicas'], desired, actual: 3, severity: 'medium', cause: '' }], context: [] }) as never;
    expect(restoreSummary([scaled(1)])).toBe('1 replica');
    expect(restoreSummary([scaled(2)])).toBe('2 replicas');
  });
});
