import fs from 'node:fs';
import type { ComponentKind } from '../../src/model/schema';
import type { DesiredComponent, DesiredStack } from '../../src/model/types';
import { diffComponent } from '../../src/plan/diff';
import { describeChange } from '../../src/plan/describeChange';
import { PROVIDER_FORCE_NEW, PROVIDER_FORCE_NEW_WHEN, replacementRules } from '../../src/plan/replacements';
import { awsProgram } from '../../src/targets/aws/programs';
import { componentDeployment } from '../../src/targets/deployment';
import { componentOf, copyAwsExample, loadAwsStack } from '../support/awsExample';
import { installAwsMocks, render, RenderedResource } from '../support/pulumiMocks';

// The plan's replacement rules (src/plan/replacements.ts) held against the programs themselves:
// each data component of the example is rendered before and after one setting changes, and the
// resources whose replacing arguments (the provider's ForceNew) changed must be exactly those the
// plan says it replaces. A new setting, or a program passing a setting to another argument, fails here.

let repo: string;
let stack: DesiredStack;

beforeAll(() => {
  repo = copyAwsExample();
  stack = loadAwsStack(repo, 'production');
  installAwsMocks('333333333333', 'us-east-1');
});

afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

type Mods = Record<string, unknown>;
interface Case {
  id: string;
  field: string;
  /** Applied to both sides first (a starting point other than the example's). */
  base?: Mods;
  after: Mods;
}

const OTHER_KEY = 'arn:aws:kms:us-east-1:333333333333:key/11111111-1111-1111-1111-111111111111';
const platformCases = (id: string, keys: string[]): Case[] =>
  keys.map((key) => ({ id, field: `platform.${key}`, after: { [`platform.${key}`]: { kmsKeyArn: OTHER_KEY, vpcId: 'vpc-0aaaaaaaaaaaaaaaa', subnetIds: ['subnet-0aaaaaaaaaaaaaaaa'] }[key] } }));

const DATABASE = 'notification-service/database';
const CACHE = 'notification-service/cache';
const QUEUE = 'notification-service/queue';

/** One change of every setting of each data component (and of the platform references it is built from). */
const CASES: Case[] = [
  { id: DATABASE, field: 'engine', after: { engine: 'mysql', version: '8.0.39' } },
  { id: DATABASE, field: 'version', after: { version: '16.6' } },
  { id: DATABASE, field: 'instanceClass', after: { instanceClass: 'db.t3.large' } },
  { id: DATABASE, field: 'storage.allocatedGb', after: { 'storage.allocatedGb': 100 } },
  { id: DATABASE, field: 'storage.type', after: { 'storage.type': 'io1', 'storage.allocatedGb': 100, 'storage.iops': 1000 } },
  { id: DATABASE, field: 'multiAZ', after: { multiAZ: false } },
  { id: DATABASE, field: 'backup.retentionDays', after: { 'backup.retentionDays': 1 } },
  { id: DATABASE, field: 'database.name', after: { 'database.name': 'orders' } },
  { id: DATABASE, field: 'database.username', after: { 'database.username': 'owner' } },
  { id: DATABASE, field: 'dependsOn', after: { dependsOn: ['user-service/database'] } },
  { id: DATABASE, field: 'restoreFromSnapshot', after: { restoreFromSnapshot: 'user-platform-production-notification-service-database-final-1a2b3c4d' } },
  { id: DATABASE, field: 'restoreFromSnapshot', base: { restoreFromSnapshot: 'before-final-1a2b3c4d' }, after: { restoreFromSnapshot: undefined } },
  ...platformCases(DATABASE, ['kmsKeyArn', 'vpcId', 'subnetIds']),
  { id: CACHE, field: 'engine.version', after: { 'engine.version': '7.1' } },
  { id: CACHE, field: 'engine.version', after: { 'engine.version': '6.2' } },
  { id: CACHE, field: 'cluster.mode', after: { 'cluster.mode': 'single-node' } },
  { id: CACHE, field: 'cluster.nodeType', after: { 'cluster.nodeType': 'cache.t3.large' } },
  { id: CACHE, field: 'cluster.numNodes', after: { 'cluster.numNodes': 3 } },
  { id: CACHE, field: 'security.atRestEncryption', after: { 'security.atRestEncryption': false } },
  { id: CACHE, field: 'security.transitEncryption', after: { 'security.transitEncryption': false } },
  { id: CACHE, field: 'security.transitEncryption', base: { 'engine.version': '7.1' }, after: { 'security.transitEncryption': false } },
  { id: CACHE, field: 'platform.kmsKeyArn', base: { 'security.atRestEncryption': false }, after: { 'platform.kmsKeyArn': OTHER_KEY } },
  { id: CACHE, field: 'dependsOn', after: { dependsOn: ['user-service/database'] } },
  { id: CACHE, field: 'restoreFromSnapshot', after: { restoreFromSnapshot: 'user-platform-production-notifi-0306d16e-final-1a2b3c4d' } },
  ...platformCases(CACHE, ['kmsKeyArn', 'vpcId', 'subnetIds']),
  { id: QUEUE, field: 'type', after: { type: 'fifo' } },
  { id: QUEUE, field: 'type', base: { 'deadLetterQueue.enabled': false }, after: { type: 'fifo' } },
  { id: QUEUE, field: 'visibilityTimeoutSeconds', after: { visibilityTimeoutSeconds: 90 } },
  { id: QUEUE, field: 'messageRetentionSeconds', after: { messageRetentionSeconds: 600 } },
  { id: QUEUE, field: 'deadLetterQueue.enabled', after: { 'deadLetterQueue.enabled': false } },
  { id: QUEUE, field: 'deadLetterQueue.enabled', base: { 'deadLetterQueue.enabled': false }, after: { 'deadLetterQueue.enabled': true } },
  { id: QUEUE, field: 'deadLetterQueue.maxReceiveCount', after: { 'deadLetterQueue.maxReceiveCount': 3 } },
  { id: QUEUE, field: 'dependsOn', after: { dependsOn: ['user-service/database'] } },
  ...platformCases(QUEUE, ['kmsKeyArn']),
];

/** Data resources: deleting one loses what it holds. */
const DATA_TYPES = ['aws:rds/instance:Instance', 'aws:elasticache/replicationGroup:ReplicationGroup', 'aws:sqs/queue:Queue'];
const SNAPSHOT_SUFFIX = 'random:index/randomId:RandomId/final-snapshot';

function withMods(component: DesiredComponent, mods: Mods, tag: string): DesiredComponent {
  const next = structuredClone(component);
  for (const [path, value] of Object.entries(mods)) {
    const keys = path.split('.');
    const holder = keys[0] === 'platform' ? (next.platform ??= {}) : next.spec;
    let target = holder as Record<string, unknown>;
    for (const key of keys.slice(keys[0] === 'platform' ? 1 : 0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys.at(-1)!] = value;
  }
  next.specHash = `${component.specHash}:${tag}`;
  return next;
}

async function renderComponent(component: DesiredComponent): Promise<Map<string, RenderedResource>> {
  const environment = { name: 'production', spec: { ...stack.environment.spec, platform: { ...stack.environment.spec.platform, ...component.platform } } };
  const deployment = componentDeployment(stack.stack, environment, component, { dependencyOutputs: {} });
  const rendered = await render(awsProgram(deployment));
  return new Map(rendered.resources.map((resource) => [`${resource.type}/${resource.name}`, resource]));
}

/** What the provider would replace between two renders, and which data resources went away. */
function providerVerdict(before: Map<string, RenderedResource>, after: Map<string, RenderedResource>) {
  const replaced: string[] = [];
  for (const [key, was] of before) {
    const now = after.get(key);
    if (!now || was.type.startsWith('pulumi:providers')) continue;
    const changed = (argument: string) => JSON.stringify(was.inputs[argument]) !== JSON.stringify(now.inputs[argument]);
    const always = (PROVIDER_FORCE_NEW[was.type] ?? []).some(changed);
    const sometimes = Object.entries(PROVIDER_FORCE_NEW_WHEN[was.type] ?? {}).some(([argument, replaces]) => changed(argument) && replaces(was.inputs, now.inputs));
    if (always || sometimes) replaced.push(key);
  }
  const deleted = [...before.values()].filter((resource) => !after.has(`${resource.type}/${resource.name}`) && DATA_TYPES.includes(resource.type)).map((resource) => `${resource.type}/${resource.name}`);
  return { replaced: replaced.filter((key) => key !== SNAPSHOT_SUFFIX).sort(), deleted: deleted.sort(), suffixReplaced: replaced.includes(SNAPSHOT_SUFFIX) };
}

function leaves(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([key, item]) => leaves(item, prefix ? `${prefix}.${key}` : key));
  return [prefix];
}

describe('replacements in the plan match what the aws provider replaces in the rendered programs', () => {
  test('every setting of every data component, and each platform reference it is built from, is changed by a case', () => {
    for (const id of [DATABASE, CACHE, QUEUE]) {
      const component = componentOf(stack, id);
      const settings = [...leaves(component.spec), ...Object.keys(component.platform ?? {}).map((key) => `platform.${key}`)];
      const covered = new Set(CASES.filter((item) => item.id === id).map((item) => item.field));
      expect(settings.filter((setting) => !covered.has(setting))).toEqual([]);
    }
  });

  test.each(CASES.map((item) => [`${item.id} ${item.field} → ${JSON.stringify(item.after)}${item.base ? ` from ${JSON.stringify(item.base)}` : ''}`, item] as const))('%s', async (_name, item) => {
    const start = withMods(componentOf(stack, item.id), item.base ?? {}, 'base');
    const changed = withMods(start, item.after, 'after');
    const provider = providerVerdict(await renderComponent(start), await renderComponent(changed));
    const { source: _source, ...released } = start;
    const change = diffComponent(released, changed);
    const planned = (change.replacements ?? []).map((replacement) => ({ key: `${replacement.resource.type}/${replacement.resource.name}`, deleted: replacement.deleted ?? false }));

    expect(planned.filter((replacement) => !replacement.deleted).map((replacement) => replacement.key).sort()).toEqual(provider.replaced);
    expect(planned.filter((replacement) => replacement.deleted).map((replacement) => replacement.key).sort()).toEqual(provider.deleted);
    const losesData = provider.replaced.some((key) => DATA_TYPES.some((type) => key.startsWith(`${type}/`))) || provider.deleted.length > 0;
    expect(change.action).toBe(losesData ? 'replace' : 'update');
    // A replaced database or cache gets a final snapshot name of its own.
    if (provider.replaced.some((key) => key.startsWith('aws:rds/') || key.startsWith('aws:elasticache/'))) expect(provider.suffixReplaced).toBe(true);
  });

  test('each rule is exercised by a case where it applies', async () => {
    const fired = new Set<string>();
    for (const item of CASES) {
      const start = withMods(componentOf(stack, item.id), item.base ?? {}, 'base');
      const { source: _source, ...released } = start;
      for (const replacement of diffComponent(released, withMods(start, item.after, 'after')).replacements ?? []) fired.add(`${item.id.split('/')[1]} ${replacement.field} ${replacement.resource.name}`);
    }
    const kinds: [string, ComponentKind][] = [['database', 'RDS'], ['cache', 'ElastiCacheRedis'], ['queue', 'SQS']];
    const rules = kinds.flatMap(([name, kind]) => replacementRules(kind).map((rule) => `${name} ${rule.field} ${rule.resource.name}`));
    expect(rules.filter((rule) => !fired.has(rule))).toEqual([]);
  });
});

describe('what the plan says of a replacement', () => {
  test('the database: which setting, what is replaced, what is kept; a class change is in place', () => {
    const database = componentOf(stack, DATABASE);
    const { source: _source, ...released } = database;
    const change = diffComponent(released, withMods(database, { 'platform.kmsKeyArn': OTHER_KEY }, 'key'));
    expect(change).toMatchObject({ action: 'replace', fields: [{ field: 'platform.kmsKeyArn', after: OTHER_KEY }] });
    expect(describeChange(change)[0]).toBe('data loss: platform.kmsKeyArn changes: the RDS instance is replaced (deleted first; a final snapshot is kept and the new instance starts empty)');
    const restored = diffComponent(released, withMods(database, { restoreFromSnapshot: 'db-final-1a2b3c4d' }, 'restore'));
    expect(describeChange(restored)).toEqual([
      'data loss: restoreFromSnapshot changes: the RDS instance is replaced (deleted first; a final snapshot is kept and the new one starts from the snapshot restoreFromSnapshot names)',
      'restoreFromSnapshot: (none) → db-final-1a2b3c4d',
    ]);
    const resized = diffComponent(released, withMods(database, { instanceClass: 'db.t3.large' }, 'class'));
    expect(resized.action).toBe('update');
    expect(resized.replacements).toBeUndefined();
  });

  test('a release recorded before platform references were kept is compared by its spec alone', () => {
    const database = componentOf(stack, DATABASE);
    const { source: _source, platform: _platform, ...old } = database;
    const newKey = { ...withMods(database, { 'platform.kmsKeyArn': OTHER_KEY }, ''), specHash: database.specHash };
    expect(diffComponent(old, newKey).action).toBe('unchanged');
    // Once recorded, the same change is seen.
    expect(diffComponent({ ...old, platform: database.platform }, newKey).action).toBe('replace');
  });

  test('a new VPC replaces only the security group: an update, said as such', () => {
    const cache = componentOf(stack, CACHE);
    const { source: _source, ...released } = cache;
    const change = diffComponent(released, withMods(cache, { 'platform.vpcId': 'vpc-0aaaaaaaaaaaaaaaa' }, 'vpc'));
    expect(change.action).toBe('update');
    expect(describeChange(change)[0]).toBe('replaced: platform.vpcId changes: its security group is replaced');
  });
});
