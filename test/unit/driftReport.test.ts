import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyDeleted, classifyField, combinedCause, worstSeverity } from '../../src/drift/classify';
import { fieldMatches, ignoringRule, parseUntil, withoutRule, withRule } from '../../src/drift/ignore';
import { autoscalerWork, componentCheck, componentReport, driftNotificationMessage, findingsOf } from '../../src/drift/report';
import { DriftStore, FileDriftDocuments, mergeFindings } from '../../src/drift/store';
import type { ResourceDrift } from '../../src/pulumi/componentStacks';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import type { IgnoreRule } from '../../src/temporal/drift';
import { targetFor } from '../../src/targets/targetFor';

const api: ReleasedComponent = {
  id: 'notification-service/api',
  service: 'notification-service',
  name: 'api',
  kind: 'MicroService',
  spec: {
    image: 'notification-api:v1.2.0',
    port: 8080,
    healthCheck: { path: '/health', intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, gracePeriodSeconds: 10 },
    environment: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'API_TOKEN', value: 'hunter2' },
      { name: 'DATABASE_HOST', valueFrom: { component: 'notification-service/database', output: 'endpoint' } },
    ],
    resources: { cpu: 256, memory: 512 },
    scaling: { replicas: 2, autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPU: 70 } },
    dependsOn: [],
  },
  dependsOn: [],
  configs: [],
  specHash: 'abc',
};

const changed = (fields: ResourceDrift['fields']): ResourceDrift[] => [{ urn: 'urn:pulumi:dev::p::LocalComponent::api', type: 'pulumi-nodejs:dynamic:Resource', name: 'api', kind: 'changed', fields }];

describe('severity and likely cause', () => {
  it('rates capacity medium, security and the image high, tags low, with the cause people read', () => {
    expect(classifyField(['scaling', 'replicas'])).toEqual({ severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' });
    expect(classifyField(['resources', 'cpu'])).toEqual({ severity: 'medium', cause: 'Task size changed outside deployer (console)' });
    expect(classifyField(['resources', 'memory'])).toEqual({ severity: 'medium', cause: 'Task size changed outside deployer (console)' });
    expect(classifyField(['environment', 0, 'value'])).toEqual({ severity: 'medium', cause: 'Environment variable edited outside deployer (console)' });
    expect(classifyField(['healthCheck', 'path'])).toEqual({ severity: 'medium', cause: 'Health check settings changed outside deployer (console)' });
    expect(classifyField(['visibilityTimeoutSeconds'])).toEqual({ severity: 'medium', cause: 'Changed outside deployer (console or CLI)' });
    expect(classifyField(['security', 'atRestEncryption'])).toEqual({ severity: 'high', cause: 'Security setting changed outside deployer (console or CLI)' });
    expect(classifyField(['storage', 'kmsKeyId'])).toEqual({ severity: 'high', cause: 'Security setting changed outside deployer (console or CLI)' });
    expect(classifyField(['storageEncrypted'])).toEqual({ severity: 'high', cause: 'Security setting changed outside deployer (console or CLI)' });
    expect(classifyField(['database', 'username'])).toEqual({ severity: 'high', cause: 'Security setting changed outside deployer (console or CLI)' });
    expect(classifyField(['environment', 1, 'value'], { secret: true })).toEqual({ severity: 'high', cause: 'Secret changed outside deployer (console or secret store)' });
    expect(classifyField(['image'])).toEqual({ severity: 'high', cause: 'Image changed outside deployer: code no release recorded is running' });
    expect(classifyField(['tags', 'team'])).toEqual({ severity: 'low', cause: 'Tags or labels edited outside deployer (console or a tagging tool)' });
    expect(classifyField(['metadata', 'labels', 'owner'])).toEqual({ severity: 'low', cause: 'Tags or labels edited outside deployer (console or a tagging tool)' });
    expect(classifyDeleted()).toEqual({ severity: 'high', cause: 'deleted outside deployer' });
  });

  it('takes the worst severity, and names each cause once, worst first', () => {
    expect(worstSeverity(['low', 'medium'])).toBe('medium');
    expect(worstSeverity(['medium', 'high', 'low'])).toBe('high');
    expect(worstSeverity([])).toBeUndefined();
    expect(combinedCause([classifyField(['resources', 'cpu']), classifyField(['image']), classifyField(['resources', 'memory'])])).toBe(
      'Image changed outside deployer: code no release recorded is running; Task size changed outside deployer (console)',
    );
  });
});

describe('component check from the refresh', () => {
  it('reports exactly the field users wrote, desired from the release spec, and nothing the state records on its own', () => {
    const check = componentCheck(
      api,
      changed([
        { field: '__provider', recorded: 'code-a', actual: 'code-b' },
        { field: 'componentKey', recorded: 'a', actual: 'b' },
        { field: 'replicas', recorded: 2, actual: 3 },
        { field: 'url', recorded: 'http://127.0.0.1:1', actual: 'http://127.0.0.1:2' },
        { field: 'workingDir', recorded: '/a', actual: '/b' },
        { field: 'healthTimeoutSeconds', recorded: 120, actual: 60 },
      ]),
      { rules: targetFor({ target: 'local' }).drift },
    );
    expect(check).toEqual({
      id: 'notification-service/api',
      name: 'api',
      kind: 'MicroService',
      outcome: 'checked',
      fields: [{ field: 'replicas', specPath: ['scaling', 'replicas'], desired: 2, actual: 3, severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' }],
      context: [
        { field: 'replicas', desired: 2 },
        { field: 'cpu', desired: 256 },
        { field: 'memory', desired: 512 },
      ],
    });
  });

  it('is not drift when reality matches the release even though the recorded state did not', () => {
    expect(componentCheck(api, changed([{ field: 'replicas', recorded: 3, actual: 2 }]), { rules: targetFor({ target: 'local' }).drift }).fields).toEqual([]);
  });

  it('names cpu, memory and environment variables as people write them, and never shows a secret', () => {
    const check = componentCheck(
      api,
      changed([
        { field: 'resources.cpu', recorded: 256, actual: 512 },
        { field: 'environment.LOG_LEVEL', recorded: 'info', actual: 'debug' },
        { field: 'environment.API_TOKEN', recorded: 'hunter2', actual: 'swordfish' },
        { field: 'environment.DATABASE_HOST', recorded: '127.0.0.1', actual: '10.0.0.9' },
      ]),
      { rules: targetFor({ target: 'local' }).drift },
    );
    expect(check.fields).toEqual([
      { field: 'cpu', specPath: ['resources', 'cpu'], desired: 256, actual: 512, severity: 'medium', cause: 'Task size changed outside deployer (console)' },
      { field: 'environment.API_TOKEN', specPath: ['environment', 1, 'value'], desired: '(secret)', actual: '(secret)', severity: 'high', cause: 'Secret changed outside deployer (console or secret store)', secret: true },
      { field: 'environment.DATABASE_HOST', specPath: ['environment', 2], desired: '127.0.0.1', actual: '10.0.0.9', severity: 'medium', cause: 'Environment variable edited outside deployer (console)', derived: true },
      { field: 'environment.LOG_LEVEL', specPath: ['environment', 0, 'value'], desired: 'info', actual: 'debug', severity: 'medium', cause: 'Environment variable edited outside deployer (console)' },
    ]);
    expect(JSON.stringify(check)).not.toMatch(/hunter2|swordfish/);
  });

  it('a deleted resource makes the component deleted', () => {
    const check = componentCheck(api, [{ urn: 'urn', type: 't', name: 'api', kind: 'deleted', fields: [] }], { rules: targetFor({ target: 'local' }).drift });
    expect(check).toMatchObject({ outcome: 'deleted', fields: [] });
    expect(componentReport(check, [], { 'api#(deleted)': '2026-01-15T16:45:00.000Z' }, new Date())).toEqual({
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
      firstSeen: '2026-01-15T16:45:00.000Z',
    });
  });

  it('maps the other local kinds to their spec fields and leaves their outputs out', () => {
    const queue: ReleasedComponent = { ...api, id: 'notification-service/queue', name: 'queue', kind: 'SQS', spec: { type: 'standard', visibilityTimeoutSeconds: 60, messageRetentionSeconds: 345600, deadLetterQueue: { enabled: true, maxReceiveCount: 5 }, dependsOn: [] } };
    const check = componentCheck(
      queue,
      changed([
        { field: 'visibilityTimeoutSeconds', recorded: 60, actual: 30 },
        { field: 'fifo', recorded: false, actual: true },
        { field: 'arn', recorded: 'a', actual: 'b' },
      ]),
      { rules: targetFor({ target: 'local' }).drift },
    );
    expect(check.fields.map((field) => [field.field, field.desired, field.actual, field.severity])).toEqual([
      ['type', 'standard', 'fifo', 'medium'],
      ['visibilityTimeoutSeconds', 60, 30, 'medium'],
    ]);
  });

  it('a data component the target reports stopped has drifted (its settings may all match), high; a MicroService scaled to none has not', () => {
    const database: ReleasedComponent = { ...api, id: 'notification-service/database', name: 'database', kind: 'RDS', spec: { engine: 'postgres', version: '15', database: { name: 'notifications', username: 'notifications' }, dependsOn: [] } } as unknown as ReleasedComponent;
    const check = componentCheck(database, [], { rules: targetFor({ target: 'local' }).drift, status: 'stopped' });
    expect(check.outcome).toBe('checked');
    expect(check.fields).toEqual([{ field: 'status', specPath: ['status'], desired: 'running', actual: 'stopped', severity: 'high', cause: 'Not running: stopped outside deployer, crashed, or not restarted' }]);
    expect(componentCheck(database, [], { rules: targetFor({ target: 'local' }).drift, status: 'running' }).fields).toEqual([]);
    expect(componentCheck(api, [], { rules: targetFor({ target: 'local' }).drift, status: 'stopped' }).fields).toEqual([]);
  });

  it('on a target with an autoscaler, a replica count within the autoscaling bounds is not drift', () => {
    expect(autoscalerWork(api, { specPath: ['scaling', 'replicas'] }, 7)).toBe(true);
    expect(autoscalerWork(api, { specPath: ['scaling', 'replicas'] }, 11)).toBe(false);
    expect(autoscalerWork(api, { specPath: ['resources', 'cpu'] }, 7)).toBe(false);
  });
});

describe('ignore rules', () => {
  const now = new Date('2026-01-15T12:00:00Z');
  const rule: IgnoreRule = { component: 'api', field: 'replicas', by: 'ana@example.com', at: '2026-01-15T11:00:00Z' };

  it('an ignored field never counts: status, severity and key fields leave it out', () => {
    const check = componentCheck(api, changed([{ field: 'replicas', recorded: 2, actual: 3 }]), { rules: targetFor({ target: 'local' }).drift });
    const report = componentReport(check, [rule], {}, now);
    expect(report).toEqual({ id: 'notification-service/api', name: 'api', kind: 'MicroService', status: 'in-sync', fields: [], context: [{ field: 'cpu', desired: 256, actual: 256, drifted: false }, { field: 'memory', desired: 512, actual: 512, drifted: false }] });
    expect(componentReport(check, [rule], {}, now, true).ignored).toEqual([expect.objectContaining({ field: 'replicas', actual: 3 })]);
    expect(findingsOf(check, [rule], now)).toEqual([]);
    expect(findingsOf(check, [], now)).toEqual([expect.objectContaining({ key: 'api#replicas', fingerprint: '3' })]);
  });

  it('a rule with an end applies until then; a prefix covers the fields under it', () => {
    expect(ignoringRule([{ ...rule, until: '2026-01-16T00:00:00.000Z' }], 'api', 'replicas', now)).toBeDefined();
    expect(ignoringRule([{ ...rule, until: '2026-01-15T00:00:00.000Z' }], 'api', 'replicas', now)).toBeUndefined();
    expect(ignoringRule([rule], 'worker', 'replicas', now)).toBeUndefined();
    expect(fieldMatches('environment', 'environment.LOG_LEVEL')).toBe(true);
    expect(fieldMatches('environment', 'environmentals')).toBe(false);
  });

  it('--until takes a date, a time or a duration, in the future', () => {
    expect(parseUntil('2026-03-01', now)).toBe('2026-03-01T00:00:00.000Z');
    expect(parseUntil('2026-03-01T09:30:00+01:00', now)).toBe('2026-03-01T08:30:00.000Z');
    expect(parseUntil('7d', now)).toBe('2026-01-22T12:00:00.000Z');
    expect(() => parseUntil('2025-12-31', now)).toThrow('--until 2025-12-31 is not in the future');
    expect(() => parseUntil('next week', now)).toThrow('--until "next week" is not a date (2026-03-01), a time (2026-03-01T09:00:00Z) or a duration from now (12h, 7d)');
  });

  it('adding replaces the rule for the same field and drops expired ones; removing says whether there was one', () => {
    const expired = { ...rule, field: 'cpu', until: '2026-01-01T00:00:00.000Z' };
    const rules = withRule([rule, expired], { ...rule, reason: 'load test' }, now);
    expect(rules).toEqual([{ ...rule, reason: 'load test' }]);
    expect(withoutRule(rules, 'api', 'replicas', now)).toEqual({ rules: [], removed: true });
    expect(withoutRule(rules, 'api', 'memory', now)).toEqual({ rules, removed: false });
  });
});

describe('finding state', () => {
  it('keeps first-seen and notification for the same finding, starts afresh for a new value, forgets resolved ones', () => {
    const previous = {
      'api#replicas': { key: 'api#replicas', fingerprint: '3', firstSeen: 't1', lastSeen: 't1', notifiedAt: 't1' },
      'api#cpu': { key: 'api#cpu', fingerprint: '512', firstSeen: 't1', lastSeen: 't1', notifiedAt: 't1' },
      'cache#(deleted)': { key: 'cache#(deleted)', fingerprint: 'deleted', firstSeen: 't1', lastSeen: 't1' },
    };
    const merged = mergeFindings(previous, [{ key: 'api#replicas', fingerprint: '3' }, { key: 'api#memory', fingerprint: '1024' }], ['api'], 't2');
    expect(merged).toEqual({
      'api#replicas': { key: 'api#replicas', fingerprint: '3', firstSeen: 't1', lastSeen: 't2', notifiedAt: 't1' },
      'api#memory': { key: 'api#memory', fingerprint: '1024', firstSeen: 't2', lastSeen: 't2' },
      // cache was not checked this run (its check failed): what was known about it stays.
      'cache#(deleted)': { key: 'cache#(deleted)', fingerprint: 'deleted', firstSeen: 't1', lastSeen: 't1' },
    });
    expect(mergeFindings(previous, [{ key: 'api#replicas', fingerprint: '4' }], ['api'], 't2')['api#replicas']).toEqual({ key: 'api#replicas', fingerprint: '4', firstSeen: 't2', lastSeen: 't2' });
  });

  it('lives in one file per service under the state dir, with the ignore rules', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-store-'));
    try {
      const store = new DriftStore(new FileDriftDocuments(dir));
      const now = new Date('2026-01-15T12:00:00Z');
      await store.observe('shop', 'dev', 'cart', [{ key: 'api#replicas', fingerprint: '3' }], ['api'], now.toISOString());
      await store.markNotified('shop', 'dev', 'cart', [{ key: 'api#replicas', fingerprint: '3' }], now.toISOString());
      await store.addIgnore('shop', 'dev', 'cart', { component: 'api', field: 'cpu', by: 'ana', at: now.toISOString() }, now);
      const state = JSON.parse(fs.readFileSync(path.join(dir, 'shop', 'dev', 'cart.json'), 'utf8'));
      expect(state).toEqual({
        findings: { 'api#replicas': { key: 'api#replicas', fingerprint: '3', firstSeen: now.toISOString(), lastSeen: now.toISOString(), notifiedAt: now.toISOString() } },
        ignores: [{ component: 'api', field: 'cpu', by: 'ana', at: now.toISOString() }],
      });
      expect(fs.readdirSync(path.join(dir, 'shop', 'dev'))).toEqual(['cart.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

it('a notification names each new finding once, with values, severity and cause', () => {
  const check = componentCheck(api, changed([{ field: 'replicas', recorded: 2, actual: 3 }]), { rules: targetFor({ target: 'local' }).drift });
  const [finding] = findingsOf(check, [], new Date());
  expect(driftNotificationMessage('production', [{ component: 'api', kind: 'MicroService', field: finding!.field }, { component: 'cache', kind: 'ElastiCacheRedis' }])).toBe(
    'drift in production: api (MicroService) replicas 2 -> 3 [medium: Manual scaling outside deployer (console / deployer local scale)]; cache (ElastiCacheRedis) deleted [high: deleted outside deployer]',
  );
});
