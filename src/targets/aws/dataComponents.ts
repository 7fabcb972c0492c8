import { DBInstance, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, ReplicationGroup } from '@aws-sdk/client-elasticache';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ComponentRef } from '../../model/componentRef';
import type { ComponentHealth, ComponentState, ComponentStatus } from '../local/api';
import { awsErrorName } from './awsClients';
import { awsNames } from './names';
import { appUserName } from './dbUsers';

// Lookups answer undefined for "no such resource" only; any other failure (credentials, throttling) is thrown.

export async function describeDbInstance(rds: RDSClient, ref: ComponentRef): Promise<DBInstance | undefined> {
  try {
    const reply = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: awsNames.dbInstance(ref) }));
    return reply.DBInstances?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'DBInstanceNotFoundFault') return undefined;
    throw error;
  }
}

export async function describeReplicationGroup(elastiCache: ElastiCacheClient, ref: ComponentRef): Promise<ReplicationGroup | undefined> {
  try {
    const reply = await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: awsNames.replicationGroup(ref) }));
    return reply.ReplicationGroups?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'ReplicationGroupNotFoundFault') return undefined;
    throw error;
  }
}

/** The Redis version, from the group's first node: the replication group itself does not say. Undefined while it has none. */
export async function redisVersion(elastiCache: ElastiCacheClient, group: ReplicationGroup): Promise<string | undefined> {
  const member = group.MemberClusters?.[0];
  if (!member) return undefined;
  try {
    return (await elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: member }))).CacheClusters?.[0]?.EngineVersion;
  } catch (error) {
    if (awsErrorName(error) === 'CacheClusterNotFoundFault') return undefined;
    throw error;
  }
}

export interface Queue {
  url: string;
  fifo: boolean;
  attributes: Record<string, string>;
}

/** The component's queue, standard or FIFO (its name says which), with its attributes. */
export async function describeQueue(sqs: SQSClient, ref: ComponentRef): Promise<Queue | undefined> {
  const urls = await Promise.all(
    [false, true].map(async (fifo) => {
      try {
        const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: awsNames.queue(ref, fifo) }))).QueueUrl;
        return url ? { url, fifo } : undefined;
      } catch (error) {
        if (['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes(awsErrorName(error) ?? '')) return undefined;
        throw error;
      }
    }),
  );
  const found = urls.find((candidate) => candidate !== undefined);
  if (!found) return undefined;
  const reply = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: found.url, AttributeNames: ['All'] }));
  return { ...found, attributes: reply.Attributes ?? {} };
}

/**
 * The modifications AWS holds back (for the maintenance window, or still being applied), as
 * `field value` pairs: AWS lists only the fields that will change.
 */
export function pendingModifications(pending: object | undefined): string[] {
  const empty = (value: unknown) => value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
  return Object.entries(pending ?? {}).flatMap(([field, value]) => (empty(value) ? [] : [`${field} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`]));
}

function withPending(summary: string, pending: string[]): string {
  return pending.length ? `${summary}; changes pending: ${pending.join(', ')}` : summary;
}

/** RDS instance states that are a change in progress, not a fault. */
const RDS_CHANGING = new Set(['creating', 'modifying', 'backing-up', 'upgrading', 'rebooting', 'renaming', 'resetting-master-credentials', 'starting', 'storage-optimization', 'maintenance', 'configuring-enhanced-monitoring', 'configuring-iam-database-auth', 'configuring-log-exports', 'moving-to-vpc', 'converting-to-vpc']);

function rdsStatus(status: string): ComponentStatus['state'] {
  if (status === 'available') return 'running';
  if (status === 'stopped' || status === 'stopping') return 'stopped';
  return RDS_CHANGING.has(status) ? 'updating' : 'degraded';
}

export function rdsHealth(instance: DBInstance | undefined, ref: ComponentRef): ComponentHealth {
  const id = awsNames.dbInstance(ref);
  if (!instance) return { kind: 'RDS', healthy: false, summary: `no RDS instance ${id}`, replicas: [] };
  const status = instance.DBInstanceStatus ?? 'unknown';
  const endpoint = instance.Endpoint?.Address ? ` at ${instance.Endpoint.Address}:${instance.Endpoint.Port ?? ''}` : '';
  // A change still pending is not deployed, whatever the instance's status says.
  const pending = pendingModifications(instance.PendingModifiedValues);
  return { kind: 'RDS', healthy: status === 'available' && pending.length === 0, summary: withPending(`RDS instance ${id} is ${status}${endpoint}`, pending), replicas: [] };
}

export function rdsState(instance: DBInstance): ComponentState {
  const outputs: Record<string, string> = {
    ...(instance.Endpoint?.Address ? { endpoint: instance.Endpoint.Address } : {}),
    ...(instance.Endpoint?.Port !== undefined ? { port: String(instance.Endpoint.Port) } : {}),
    ...(instance.DBName ? { database: instance.DBName } : {}),
    // As the program outputs them: apps log in as their own user (dbUsers.ts), the master stays for administration.
    ...(instance.MasterUsername ? { username: appUserName({ database: { name: instance.DBName ?? '', username: instance.MasterUsername } }), masterUsername: instance.MasterUsername } : {}),
    ...(instance.MasterUserSecret?.SecretArn ? { masterSecretArn: instance.MasterUserSecret.SecretArn } : {}),
  };
  return {
    kind: 'RDS',
    actual: {
      engine: instance.Engine,
      version: instance.EngineVersion,
      database: instance.DBName,
      username: instance.MasterUsername,
      instanceClass: instance.DBInstanceClass,
      allocatedGb: instance.AllocatedStorage,
      multiAZ: instance.MultiAZ,
    },
    outputs,
    secretOutputs: [],
    status: { state: rdsStatus(instance.DBInstanceStatus ?? 'unknown') },
  };
}

function redisStatus(status: string): ComponentStatus['state'] {
  if (status === 'available') return 'running';
  return ['creating', 'modifying', 'snapshotting'].includes(status) ? 'updating' : 'degraded';
}

export function redisHealth(group: ReplicationGroup | undefined, ref: ComponentRef): ComponentHealth {
  const id = awsNames.replicationGroup(ref);
  if (!group) return { kind: 'ElastiCacheRedis', healthy: false, summary: `no ElastiCache replication group ${id}`, replicas: [] };
  const status = group.Status ?? 'unknown';
  const primary = group.NodeGroups?.[0]?.PrimaryEndpoint;
  const pending = pendingModifications(group.PendingModifiedValues);
  return {
    kind: 'ElastiCacheRedis',
    healthy: status === 'available' && pending.length === 0,
    summary: withPending(`replication group ${id} is ${status}${primary?.Address ? ` at ${primary.Address}:${primary.Port ?? ''}` : ''}`, pending),
    replicas: [],
  };
}

export function redisState(group: ReplicationGroup, version: string | undefined): ComponentState {
  const nodeGroup = group.NodeGroups?.[0];
  const port = nodeGroup?.PrimaryEndpoint?.Port;
  return {
    kind: 'ElastiCacheRedis',
    actual: { ...(version ? { version } : {}), nodeType: group.CacheNodeType, nodes: group.MemberClusters?.length ?? 0 },
    outputs: {
      ...(nodeGroup?.PrimaryEndpoint?.Address ? { endpoint: nodeGroup.PrimaryEndpoint.Address } : {}),
      ...(nodeGroup?.ReaderEndpoint?.Address ? { readerEndpoint: nodeGroup.ReaderEndpoint.Address } : {}),
      ...(port !== undefined ? { port: String(port) } : {}),
    },
    secretOutputs: [],
    status: { state: redisStatus(group.Status ?? 'unknown') },
  };
}

export function queueHealth(queue: Queue | undefined, ref: ComponentRef): ComponentHealth {
  if (!queue) return { kind: 'SQS', healthy: false, summary: `no SQS queue ${awsNames.queue(ref, false)} (or ${awsNames.queue(ref, true)})`, replicas: [] };
  const waiting = queue.attributes.ApproximateNumberOfMessages ?? '0';
  const inFlight = queue.attributes.ApproximateNumberOfMessagesNotVisible ?? '0';
  return { kind: 'SQS', healthy: true, summary: `queue ${queue.url}: ${waiting} waiting, ${inFlight} in flight`, replicas: [] };
}

export function queueState(queue: Queue): ComponentState {
  const { attributes } = queue;
  const redrive = attributes.RedrivePolicy ? (JSON.parse(attributes.RedrivePolicy) as { maxReceiveCount?: number | string }) : undefined;
  return {
    kind: 'SQS',
    actual: {
      fifo: queue.fifo,
      visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout),
      messageRetentionSeconds: Number(attributes.MessageRetentionPeriod),
      deadLetterQueue: redrive ? { enabled: true, maxReceiveCount: Number(redrive.maxReceiveCount) } : { enabled: false },
    },
    outputs: { url: queue.url, ...(attributes.QueueArn ? { arn: attributes.QueueArn } : {}) },
    secretOutputs: [],
    status: { state: 'running' },
  };
}
