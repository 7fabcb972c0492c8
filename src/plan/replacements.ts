// Which changes replace a resource (delete it and create it anew) rather than update it in place,
// by the aws provider's own rules, and the refusal of a replacement that loses data unless the user
// acknowledged it. Workflow-safe: no Node imports (the deployService workflow checks the refusal).
import type { ComponentKind } from '../model/schema';

type Spec = Record<string, unknown>;

/**
 * Arguments for which the aws provider replaces a resource, of each resource type deployer's data
 * programs create: `ForceNew` in terraform-provider-aws's schema, which @pulumi/aws bridges
 * (internal/service/rds/instance.go, rds/subnet_group.go, elasticache/replication_group.go,
 * elasticache/subnet_group.go, ec2/vpc_security_group.go, sqs/queue.go,
 * secretsmanager/secret.go; every argument of random's resources). Conditional rules of the
 * provider's CustomizeDiff are in RULES below (`when`). Kept to what the programs pass or could pass;
 * test/unit/awsReplacements.test.ts renders the programs to check every rule against them.
 */
export const PROVIDER_FORCE_NEW: Record<string, readonly string[]> = {
  'aws:rds/instance:Instance': ['identifier', 'identifierPrefix', 'engine', 'dbName', 'username', 'kmsKeyId', 'storageEncrypted', 'availabilityZone', 'characterSetName', 'ncharCharacterSetName', 'timezone', 'restoreToPointInTime', 'customIamInstanceProfile'],
  'aws:rds/subnetGroup:SubnetGroup': ['name', 'namePrefix'],
  'aws:elasticache/replicationGroup:ReplicationGroup': ['replicationGroupId', 'atRestEncryptionEnabled', 'kmsKeyId', 'port', 'subnetGroupName', 'networkType', 'dataTieringEnabled', 'snapshotName', 'snapshotArns', 'globalReplicationGroupId', 'securityGroupNames'],
  'aws:elasticache/subnetGroup:SubnetGroup': ['name'],
  'aws:ec2/securityGroup:SecurityGroup': ['name', 'namePrefix', 'description', 'vpcId'],
  'aws:sqs/queue:Queue': ['name', 'namePrefix', 'fifoQueue'],
  'aws:secretsmanager/secret:Secret': ['name', 'namePrefix'],
  'random:index/randomPassword:RandomPassword': ['length', 'special', 'upper', 'lower', 'numeric', 'keepers', 'overrideSpecial'],
  'random:index/randomId:RandomId': ['byteLength', 'keepers', 'prefix'],
};

type Inputs = Record<string, unknown>;

/**
 * Arguments for which the provider replaces a resource only on some changes (its CustomizeDiff, and
 * what its documentation says of the argument), by the resource's inputs before and after.
 */
export const PROVIDER_FORCE_NEW_WHEN: Record<string, Record<string, (before: Inputs, after: Inputs) => boolean>> = {
  'aws:rds/instance:Instance': {
    // ForceNew, but also Computed: dropping it from the configuration keeps the value and changes nothing.
    snapshotIdentifier: (_before, after) => after.snapshotIdentifier !== undefined,
  },
  'aws:elasticache/replicationGroup:ReplicationGroup': {
    // customizeDiffEngineVersionForceNewOnDowngrade: ElastiCache only upgrades in place.
    engineVersion: (before, after) => compareVersions(String(after.engineVersion), String(before.engineVersion)) < 0,
    // "Changing this argument with an engineVersion < 7.0.5 will force a replacement."
    transitEncryptionEnabled: (before, after) =>
      Boolean(before.transitEncryptionEnabled) !== Boolean(after.transitEncryptionEnabled) && (compareVersions(String(before.engineVersion), '7.0.5') < 0 || compareVersions(String(after.engineVersion), '7.0.5') < 0),
  },
};

/** One resource a change replaces (or deletes), and the setting that makes it. */
export interface Replacement {
  /** The deployer setting: a spec path, or platform.<key> of the environment file. */
  field: string;
  before?: string;
  after?: string;
  /** The program's resource: its Pulumi type and name (`aws:rds/instance:Instance`, `database`). */
  resource: { type: string; name: string };
  /** What users call it. */
  what: string;
  /** Its data goes with it (a database, a cache, queued messages). */
  losesData: boolean;
  /** It is deleted, not created again (a dead letter queue turned off). */
  deleted?: boolean;
  /** What becomes of the data, when not the resource type's usual fate (a restore starts from a snapshot). */
  fate?: string;
}

interface Rule {
  field: string;
  resource: { type: string; name: string };
  /** The provider argument the field feeds (one of PROVIDER_FORCE_NEW's), or why the provider replaces. */
  argument: string;
  what: string;
  losesData: boolean;
  deleted?: boolean;
  fate?: string;
  /** Only some changes replace; every change of the field does when absent. */
  when?: (before: Spec, after: Spec) => boolean;
}

const RDS = { type: 'aws:rds/instance:Instance', name: 'database' };
const RESTORED = 'deleted first; a final snapshot is kept and the new one starts from the snapshot restoreFromSnapshot names';
const REDIS = { type: 'aws:elasticache/replicationGroup:ReplicationGroup', name: 'redis' };
const QUEUE = { type: 'aws:sqs/queue:Queue', name: 'queue' };
const DEAD_LETTER = { type: 'aws:sqs/queue:Queue', name: 'dead-letter' };
const securityGroup = (name: string) => ({ type: 'aws:ec2/securityGroup:SecurityGroup', name });

/**
 * The settings of each kind that reach a replacing argument of its program's resources. Others
 * (instance class, storage, Multi-AZ, node type and count, visibility and retention, subnets, a
 * queue's KMS key) are updated in place.
 */
const RULES: Partial<Record<ComponentKind, Rule[]>> = {
  RDS: [
    { field: 'engine', resource: RDS, argument: 'engine', what: 'the RDS instance', losesData: true },
    { field: 'database.name', resource: RDS, argument: 'dbName', what: 'the RDS instance', losesData: true },
    { field: 'database.username', resource: RDS, argument: 'username', what: 'the RDS instance', losesData: true },
    { field: 'platform.kmsKeyArn', resource: RDS, argument: 'kmsKeyId', what: 'the RDS instance', losesData: true },
    { field: 'restoreFromSnapshot', resource: RDS, argument: 'snapshotIdentifier', what: 'the RDS instance', losesData: true, fate: RESTORED, when: (_before, after) => lookup(after, 'restoreFromSnapshot') !== undefined },
    { field: 'platform.vpcId', resource: securityGroup('database'), argument: 'vpcId', what: 'its security group', losesData: false },
    { field: 'platform.vpcId', resource: securityGroup('bootstrap'), argument: 'vpcId', what: 'its security group', losesData: false },
    // The app's user is named after the master (dbUsers.ts): a new one gets a new password.
    { field: 'database.username', resource: { type: 'random:index/randomPassword:RandomPassword', name: 'app-password' }, argument: 'keepers', what: "the app user's password", losesData: false },
  ],
  ElastiCacheRedis: [
    { field: 'security.atRestEncryption', resource: REDIS, argument: 'atRestEncryptionEnabled', what: 'the ElastiCache replication group', losesData: true },
    { field: 'restoreFromSnapshot', resource: REDIS, argument: 'snapshotName', what: 'the ElastiCache replication group', losesData: true, fate: RESTORED },
    // The key only reaches the group while at-rest encryption is on.
    { field: 'platform.kmsKeyArn', resource: REDIS, argument: 'kmsKeyId', what: 'the ElastiCache replication group', losesData: true, when: (before, after) => atRest(before) && atRest(after) },
    // CustomizeDiff customizeDiffEngineVersionForceNewOnDowngrade: ElastiCache only upgrades in place.
    { field: 'engine.version', resource: REDIS, argument: 'engineVersion (a downgrade)', what: 'the ElastiCache replication group', losesData: true, when: (before, after) => compareVersions(redisVersion(after), redisVersion(before)) < 0 },
    // Engines before 7.0.5 set transit encryption only when a group is created (the provider's documentation of transitEncryptionEnabled).
    { field: 'security.transitEncryption', resource: REDIS, argument: 'transitEncryptionEnabled (Redis before 7.0.5)', what: 'the ElastiCache replication group', losesData: true, when: (before, after) => compareVersions(redisVersion(before), '7.0.5') < 0 || compareVersions(redisVersion(after), '7.0.5') < 0 },
    { field: 'platform.vpcId', resource: securityGroup('cache'), argument: 'vpcId', what: 'its security group', losesData: false },
  ],
  SQS: [
    { field: 'type', resource: QUEUE, argument: 'fifoQueue', what: 'the queue', losesData: true },
    { field: 'type', resource: DEAD_LETTER, argument: 'fifoQueue', what: 'the dead letter queue', losesData: true, when: (before, after) => deadLetter(before) && deadLetter(after) },
    { field: 'deadLetterQueue.enabled', resource: DEAD_LETTER, argument: '(removed from the program)', what: 'the dead letter queue', losesData: true, deleted: true, when: (before, after) => deadLetter(before) && !deadLetter(after) },
  ],
};

/** The kinds whose replacement loses data: apply refuses it unless acknowledged. */
export const DATA_KINDS: readonly ComponentKind[] = ['RDS', 'ElastiCacheRedis', 'SQS'];

/**
 * What changing `changed` fields (spec paths, and platform.<key>) of a `kind` replaces, given the
 * spec (with `platform` merged in under that key) before and after.
 */
export function replacementsOf(kind: ComponentKind, changed: string[], before: Spec, after: Spec): Replacement[] {
  return (RULES[kind] ?? [])
    .filter((rule) => changed.includes(rule.field) && (!rule.when || rule.when(before, after)))
    .map((rule) => ({
      field: rule.field,
      before: show(lookup(before, rule.field)),
      after: show(lookup(after, rule.field)),
      resource: rule.resource,
      what: rule.what,
      losesData: rule.losesData,
      ...(rule.deleted ? { deleted: true } : {}),
      ...(rule.fate ? { fate: rule.fate } : {}),
    }));
}

/** The rules as data, for the test that holds them against the rendered programs. */
export function replacementRules(kind: ComponentKind): readonly { field: string; resource: { type: string; name: string }; argument: string }[] {
  return RULES[kind] ?? [];
}

/** A plan's change, as far as the refusal needs it. */
interface ReplacingChange {
  id: string;
  kind: ComponentKind;
  replacements?: Replacement[];
}

/**
 * Why an apply may not go ahead: a change that replaces (or deletes) the data of an RDS,
 * ElastiCache or SQS component that `--allow-replace` does not name. On aws an RDS instance under
 * deletion protection (environments that require approval) cannot be replaced by a deployment at all.
 */
export function replacementBlockers(changes: ReplacingChange[], allowReplace: readonly string[], context: { stack: string; environment: string; target: 'local' | 'aws'; deletionProtection: boolean; sourceOf?: (id: string) => string | undefined }): string[] {
  const blockers: string[] = [];
  for (const change of changes) {
    const losing = (change.replacements ?? []).filter((replacement) => replacement.losesData);
    if (!losing.length || !DATA_KINDS.includes(change.kind)) continue;
    const where = context.sourceOf?.(change.id);
    const what = `${change.id}${where ? ` (${where})` : ''}: ${describeReplacements(losing)}`;
    if (change.kind === 'RDS' && context.target === 'aws' && context.deletionProtection && losing.some((replacement) => replacement.resource.type === RDS.type)) {
      blockers.push(
        `${what}. Deletion protection is on for databases in ${context.environment} (it requires approval), so RDS refuses to delete the instance and no deployment can replace it. ` +
          'Revert the change; or add the database as a new component (another name), move the data, then remove the old component.',
      );
      continue;
    }
    if (allowReplace.includes(change.id)) continue;
    blockers.push(
      `${what}. Nothing was deployed. Revert the change, or accept the loss and apply again with --allow-replace ${change.id}` +
        (change.kind === 'SQS' ? ' once the queue is drained.' : ' (the old data stays in its final snapshot).'),
    );
  }
  return blockers;
}

/** One sentence: what is replaced or deleted, for which settings, and what is kept. */
export function describeReplacements(replacements: Replacement[]): string {
  const byWhat = new Map<string, Replacement[]>();
  for (const replacement of replacements) byWhat.set(replacement.what, [...(byWhat.get(replacement.what) ?? []), replacement]);
  return [...byWhat.entries()]
    .map(([what, items]) => {
      const fields = [...new Set(items.map((item) => item.field))].join(', ');
      const verb = items.every((item) => item.deleted) ? 'deleted' : 'replaced';
      const usual = items.find((item) => item.fate)?.fate ?? DATA_FATE[items[0]!.resource.type] ?? 'its data is lost';
      const fate = verb === 'deleted' ? usual.replace(/^deleted /, '') : usual;
      return `${fields} ${fields.includes(',') ? 'change' : 'changes'}: ${what} is ${verb}${items[0]!.losesData ? ` (${fate})` : ''}`;
    })
    .join('; ');
}

const DATA_FATE: Record<string, string> = {
  [RDS.type]: 'deleted first; a final snapshot is kept and the new instance starts empty',
  [REDIS.type]: 'deleted first; a final snapshot is kept and the new group starts empty',
  [QUEUE.type]: 'deleted with its messages',
};

function atRest(spec: Spec): boolean {
  return lookup(spec, 'security.atRestEncryption') !== false;
}

function deadLetter(spec: Spec): boolean {
  return lookup(spec, 'deadLetterQueue.enabled') !== false;
}

function redisVersion(spec: Spec): string {
  return String(lookup(spec, 'engine.version') ?? '0');
}

/** Compares dotted versions numerically (7.0 < 7.0.5 < 7.1); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const right = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference) return difference;
  }
  return 0;
}

function lookup(value: Spec, field: string): unknown {
  return field.split('.').reduce<unknown>((current, key) => (current && typeof current === 'object' && !Array.isArray(current) ? (current as Spec)[key] : undefined), value);
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
