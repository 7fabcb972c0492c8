// Which fields of an aws component's Pulumi state a user wrote, and where in the component's spec.
// A refresh reads every attribute the provider knows, most of which nobody wrote: ids, ARNs,
// `tagsAll`, statuses, endpoints, defaults AWS filled in. Only the attributes the programs
// (microService.ts, rds.ts, elastiCacheRedis.ts, sqs.ts) set from the spec, plus the security
// settings they always apply, are drift; anything this table does not name is not.
//
// Security settings without a spec field of their own (IAM policies, security group rules, KMS keys,
// public access) are `derived`: desired is what deployer recorded, and their spec path starts with
// `security` so the classifier rates them high. No @pulumi/aws import: this runs in every drift check.
import type { ComponentKind, ElastiCacheSpec, KindedSpec, RdsSpec } from '../../model/schema';
import type { DriftedResource, SpecField } from '../driftFields';

/** Fields a user can name per kind (`drift ignore --field`); a prefix (`security`, `healthCheck`) covers every field under it. */
export const AWS_DRIFT_FIELDS: Record<ComponentKind, string[]> = {
  MicroService: [
    'replicas', 'cpu', 'memory', 'port', 'taskDefinition',
    'healthCheck.path', 'healthCheck.intervalSeconds', 'healthCheck.timeoutSeconds', 'healthCheck.healthyThreshold', 'healthCheck.unhealthyThreshold', 'healthCheck.gracePeriodSeconds', 'healthCheck.matcher',
    'autoscaling.minReplicas', 'autoscaling.maxReplicas', 'autoscaling.targetCPU',
    'ingress', 'ingress.dns', 'ingress.certificate', 'logs.retentionDays',
    'security.executionRole', 'security.taskRole', 'security.executionPolicy', 'security.taskPolicy', 'security.securityGroupRules', 'security.dependencyAccess', 'security.network', 'security.executeCommand', 'security.logEncryption',
  ],
  RDS: [
    'version', 'instanceClass', 'storage.allocatedGb', 'storage.type', 'multiAZ', 'backup.retentionDays', 'database.name', 'database.username',
    'security.publiclyAccessible', 'security.storageEncrypted', 'security.kmsKeyId', 'security.deletionProtection', 'security.managedPassword', 'security.securityGroups', 'security.securityGroupRules', 'security.network', 'security.appUser',
    'finalSnapshot', 'status',
  ],
  ElastiCacheRedis: [
    'engine.version', 'cluster.nodeType', 'cluster.numNodes', 'cluster.failover',
    'security.atRestEncryption', 'security.transitEncryption', 'security.kmsKeyId', 'security.securityGroups', 'security.securityGroupRules', 'security.network', 'security.authToken',
    'finalSnapshot', 'status',
  ],
  SQS: ['type', 'visibilityTimeoutSeconds', 'messageRetentionSeconds', 'deadLetterQueue', 'deadLetterQueue.maxReceiveCount', 'deadLetterQueue.messageRetentionSeconds', 'security.encryption', 'security.queuePolicy', 'status'],
};

type Resolve = (name: string, field: string, component: KindedSpec) => SpecField | undefined;

/** Where the provider field `field` of `resource` comes from; undefined when no user wrote it (or the resource is none of the programs'). */
export function awsSpecField(component: KindedSpec, resource: DriftedResource, field: string): SpecField | undefined {
  if (isAppUserResource(component.kind, resource)) return APP_USER_INPUTS.has(field) ? security('appUser') : undefined;
  return FIELDS[resource.type]?.(resource.name, field, component);
}

/**
 * What a resource deleted outside deployer means. The component's main resource (the ECS service,
 * the database, the replication group, the queue) gone is the component gone. An auxiliary one gone
 * (an IAM policy, an ingress rule, the dead letter queue) is reported as the field it served: the
 * component still runs, so calling it deleted would be wrong, yet what is missing is mostly what
 * keeps it safe or working, and a field keeps its own severity (a deleted policy or rule is high).
 * A resource this table does not know counts as the component gone, the old rule: remediating
 * recreates whatever is missing either way.
 */
export function awsDeletedResource(kind: ComponentKind, resource: DriftedResource): SpecField | undefined {
  const field = isAppUserResource(kind, resource) ? security('appUser') : DELETED[resource.type]?.(resource.name);
  return field && { ...field, derived: true };
}

/** The inputs of those resources a change behind deployer's back would matter in (not ARNs, ids, tags). */
const APP_USER_INPUTS = new Set(['secretString', 'kmsKeyId', 'policy', 'assumeRolePolicy', 'containerDefinitions', 'executionRoleArn', 'ingress', 'egress', 'fromPort', 'toPort', 'referencedSecurityGroupId', 'retentionInDays']);

/** What an RDS program makes for the app's own user (rds.ts): its secret, password and the task that creates it. */
function isAppUserResource(kind: ComponentKind, resource: DriftedResource): boolean {
  return kind === 'RDS' && /^(bootstrap|app-)/.test(resource.name);
}

const security = (name: string, toSpec?: SpecField['toSpec']): SpecField => ({ field: `security.${name}`, specPath: ['security', name], derived: true, ...(toSpec ? { toSpec } : {}) });
const derived = (field: string): SpecField => ({ field, specPath: field.split('.'), derived: true });
const plain = (field: string, specPath: string[], toSpec?: SpecField['toSpec']): SpecField => ({ field, specPath, ...(toSpec ? { toSpec } : {}) });

/** `execution-role` -> `executionRole`: the program's resource names, as fields. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Task sizes are strings in a task definition (`'256'`) and numbers in the spec. */
function toNumber(value: unknown): unknown {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
}

/** IAM documents as data: AWS may hand back the same policy with other spacing. */
function parsedJson(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value || null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** AWS reports the full version (`16.4`) where the spec may name a prefix (`16`): that is the same version. */
function specVersion(version: string): (value: unknown) => unknown {
  return (value) => (typeof value === 'string' && value.startsWith(`${version}.`) ? version : value);
}

/** A MicroService that depends on a data component adds its ingress rule to the data component's group; described so. */
const DEPLOYER_INGRESS = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]* reaches [a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/;

/**
 * A security group's rules without the ones deployer's own SecurityGroupIngressRule resources add:
 * those belong to the dependent MicroService's stack (which reports their drift), and appear here as
 * soon as it is deployed. Anything else, such as a rule opened in the console, stays.
 */
function rulesNotFromDependents(value: unknown): unknown {
  if (value === undefined || value === null) return []; // a group recorded before AWS listed its rules has none
  if (!Array.isArray(value)) return value;
  return value.filter((rule) => !(typeof rule === 'object' && rule !== null && DEPLOYER_INGRESS.test(String((rule as { description?: unknown }).description ?? ''))));
}

/** A task definition ARN as its family and revision: which revision runs is what matters. */
function revision(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^arn:aws:ecs:[^:]+:\d+:task-definition\//, '') : value;
}

function maxReceiveCount(value: unknown): unknown {
  const policy = parsedJson(value);
  return typeof policy === 'object' && policy !== null ? ((policy as { maxReceiveCount?: unknown }).maxReceiveCount ?? null) : null;
}

const FIFO = (value: unknown) => (value === true ? 'fifo' : value === false ? 'standard' : value);

const HEALTH_CHECK: Record<string, string> = { path: 'path', interval: 'intervalSeconds', timeout: 'timeoutSeconds', healthyThreshold: 'healthyThreshold', unhealthyThreshold: 'unhealthyThreshold' };

const FIELDS: Record<string, Resolve> = {
  'aws:ecs/service:Service': (_name, field, component) => {
    if (field === 'desiredCount') return plain('replicas', ['scaling', 'replicas']);
    // A console "update service" to a new revision changes what runs (image, environment, size)
    // while the revision the stack created stays as it was.
    if (field === 'taskDefinition') return { ...derived('taskDefinition'), toSpec: revision };
    if (field === 'healthCheckGracePeriodSeconds') return component.kind === 'MicroService' && component.spec.ingress ? plain('healthCheck.gracePeriodSeconds', ['healthCheck', 'gracePeriodSeconds']) : derived('healthCheck.gracePeriodSeconds');
    if (field.startsWith('networkConfiguration.')) return security('network');
    if (field === 'enableExecuteCommand') return security('executeCommand');
    if (field === 'loadBalancers') return derived('ingress');
    return undefined;
  },
  // The revision the stack created never changes (revisions are immutable); these show only when
  // the provider follows the family's latest revision.
  'aws:ecs/taskDefinition:TaskDefinition': (_name, field) => (field === 'cpu' || field === 'memory' ? plain(field, ['resources', field], toNumber) : undefined),
  'aws:lb/targetGroup:TargetGroup': (_name, field) => {
    if (field === 'port') return plain('port', ['port']);
    const [head, setting = '', ...rest] = field.split('.');
    if (head !== 'healthCheck' || rest.length) return undefined;
    if (setting === 'matcher') return derived('healthCheck.matcher');
    const specName = HEALTH_CHECK[setting];
    return specName ? plain(`healthCheck.${specName}`, ['healthCheck', specName]) : undefined;
  },
  'aws:lb/listenerRule:ListenerRule': (_name, field) => (/^(conditions|actions)(\.|$)/.test(field) ? derived('ingress') : undefined),
  'aws:route53/record:Record': (_name, field) => (field === 'records' || field === 'name' ? derived('ingress.dns') : undefined),
  'aws:appautoscaling/target:Target': (_name, field) => {
    if (field === 'minCapacity') return plain('autoscaling.minReplicas', ['scaling', 'autoscaling', 'minReplicas']);
    if (field === 'maxCapacity') return plain('autoscaling.maxReplicas', ['scaling', 'autoscaling', 'maxReplicas']);
    return undefined;
  },
  'aws:appautoscaling/policy:Policy': (_name, field) => (field === 'targetTrackingScalingPolicyConfiguration.targetValue' ? plain('autoscaling.targetCPU', ['scaling', 'autoscaling', 'targetCPU']) : undefined),
  'aws:cloudwatch/logGroup:LogGroup': (_name, field) => {
    if (field === 'retentionInDays') return derived('logs.retentionDays');
    return field === 'kmsKeyId' ? security('logEncryption') : undefined;
  },
  // Attaching a managed policy (AdministratorAccess) in the console shows on the role; inline
  // policies are their own RolePolicy resources, so the role's `inlinePolicies` is left to them.
  'aws:iam/role:Role': (name, field) => (field === 'assumeRolePolicy' || field === 'managedPolicyArns' ? security(camel(name), parsedJson) : undefined),
  'aws:iam/rolePolicy:RolePolicy': (name, field) => (field === 'policy' ? security(camel(name), parsedJson) : undefined),
  'aws:ec2/securityGroup:SecurityGroup': (_name, field) => (field === 'ingress' || field === 'egress' ? security('securityGroupRules', rulesNotFromDependents) : undefined),
  'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': (_name, field) =>
    ['fromPort', 'toPort', 'ipProtocol', 'referencedSecurityGroupId', 'cidrIpv4', 'cidrIpv6', 'prefixListId', 'securityGroupId'].includes(field) ? security('dependencyAccess') : undefined,
  'aws:rds/instance:Instance': (_name, field, component) => (component.kind === 'RDS' ? RDS_FIELDS[field]?.(component.spec) : undefined),
  'aws:rds/subnetGroup:SubnetGroup': (_name, field) => (field === 'subnetIds' ? security('network') : undefined),
  'aws:elasticache/replicationGroup:ReplicationGroup': (_name, field, component) => (component.kind === 'ElastiCacheRedis' ? REDIS_FIELDS[field]?.(component.spec) : undefined),
  'aws:elasticache/subnetGroup:SubnetGroup': (_name, field) => (field === 'subnetIds' ? security('network') : undefined),
  'aws:sqs/queue:Queue': (name, field) => (name === 'dead-letter' ? deadLetterField(field) : queueField(field)),
};

const RDS_FIELDS: Record<string, (spec: RdsSpec) => SpecField> = {
  engineVersion: (spec) => plain('version', ['version'], specVersion(spec.version)),
  instanceClass: () => plain('instanceClass', ['instanceClass']),
  allocatedStorage: () => plain('storage.allocatedGb', ['storage', 'allocatedGb']),
  storageType: () => plain('storage.type', ['storage', 'type']),
  multiAz: () => plain('multiAZ', ['multiAZ']),
  backupRetentionPeriod: () => plain('backup.retentionDays', ['backup', 'retentionDays']),
  dbName: () => plain('database.name', ['database', 'name']),
  username: () => plain('database.username', ['database', 'username']),
  publiclyAccessible: () => security('publiclyAccessible'),
  storageEncrypted: () => security('storageEncrypted'),
  kmsKeyId: () => security('kmsKeyId'),
  // Set from the environment's approval policy, not the component's spec.
  deletionProtection: () => security('deletionProtection'),
  manageMasterUserPassword: () => security('managedPassword'),
  vpcSecurityGroupIds: () => security('securityGroups'),
  dbSubnetGroupName: () => security('network'),
};

const REDIS_FIELDS: Record<string, (spec: ElastiCacheSpec) => SpecField> = {
  engineVersion: (spec) => plain('engine.version', ['engine', 'version'], specVersion(spec.engine.version)),
  nodeType: () => plain('cluster.nodeType', ['cluster', 'nodeType']),
  // A single node is one whatever numNodes says.
  numCacheClusters: (spec) => (spec.cluster.mode === 'single-node' ? derived('cluster.numNodes') : plain('cluster.numNodes', ['cluster', 'numNodes'])),
  automaticFailoverEnabled: () => derived('cluster.failover'),
  multiAzEnabled: () => derived('cluster.failover'),
  atRestEncryptionEnabled: () => plain('security.atRestEncryption', ['security', 'atRestEncryption']),
  transitEncryptionEnabled: () => plain('security.transitEncryption', ['security', 'transitEncryption']),
  kmsKeyId: () => security('kmsKeyId'),
  securityGroupIds: () => security('securityGroups'),
  subnetGroupName: () => security('network'),
};

function queueField(field: string): SpecField | undefined {
  switch (field) {
    case 'fifoQueue':
      return plain('type', ['type'], FIFO);
    case 'visibilityTimeoutSeconds':
    case 'messageRetentionSeconds':
      return plain(field, [field]);
    case 'redrivePolicy':
      return plain('deadLetterQueue.maxReceiveCount', ['deadLetterQueue', 'maxReceiveCount'], maxReceiveCount);
    case 'kmsMasterKeyId':
    case 'sqsManagedSseEnabled':
      return security('encryption');
    case 'policy':
      return security('queuePolicy', parsedJson);
    default:
      return undefined;
  }
}

function deadLetterField(field: string): SpecField | undefined {
  if (field === 'messageRetentionSeconds') return derived('deadLetterQueue.messageRetentionSeconds');
  return field === 'kmsMasterKeyId' || field === 'sqsManagedSseEnabled' ? security('encryption') : undefined;
}

/** Per resource type, the field a deleted resource is reported as; undefined for the component's main resource. */
const DELETED: Record<string, (name: string) => SpecField | undefined> = {
  'aws:ecs/service:Service': () => undefined,
  'aws:ecs/taskDefinition:TaskDefinition': () => derived('taskDefinition'),
  'aws:lb/targetGroup:TargetGroup': () => derived('ingress'),
  'aws:lb/listenerRule:ListenerRule': () => derived('ingress'),
  'aws:route53/record:Record': (name) => derived(name === 'certificate-validation' ? 'ingress.certificate' : 'ingress.dns'),
  'aws:acm/certificate:Certificate': () => derived('ingress.certificate'),
  'aws:acm/certificateValidation:CertificateValidation': () => derived('ingress.certificate'),
  'aws:lb/listenerCertificate:ListenerCertificate': () => derived('ingress.certificate'),
  'aws:appautoscaling/target:Target': () => plain('autoscaling', ['scaling', 'autoscaling']),
  'aws:appautoscaling/policy:Policy': () => plain('autoscaling', ['scaling', 'autoscaling']),
  'aws:cloudwatch/logGroup:LogGroup': () => derived('logs'),
  'aws:iam/role:Role': (name) => security(camel(name)),
  'aws:iam/rolePolicy:RolePolicy': (name) => security(camel(name)),
  'aws:ec2/securityGroup:SecurityGroup': () => security('securityGroupRules'),
  'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': () => security('dependencyAccess'),
  'aws:rds/instance:Instance': () => undefined,
  'aws:rds/subnetGroup:SubnetGroup': () => security('network'),
  'aws:elasticache/replicationGroup:ReplicationGroup': () => undefined,
  'aws:elasticache/subnetGroup:SubnetGroup': () => security('network'),
  'aws:secretsmanager/secret:Secret': () => security('authToken'),
  'aws:secretsmanager/secretVersion:SecretVersion': () => security('authToken'),
  'random:index/randomPassword:RandomPassword': () => security('authToken'),
  // The suffix of the final snapshot's name: it lives in the stack alone, so only a stack edited by hand loses it.
  'random:index/randomId:RandomId': () => derived('finalSnapshot'),
  'aws:sqs/queue:Queue': (name) => (name === 'dead-letter' ? derived('deadLetterQueue') : undefined),
  'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy': () => derived('deadLetterQueue'),
};
