import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { ComponentDeploymentOf } from '../deployment';
import type { AwsContext } from './context';
import { awsNames } from './names';
import { requirePlatform } from './platform';

const PORT = 6379;

/**
 * A Redis replication group (cluster mode disabled) in the platform's private subnets, encrypted at
 * rest and in transit as the spec says, with an AUTH token kept in Secrets Manager, reachable only
 * from the services that depend on it.
 */
export function elastiCacheRedisProgram(deployment: ComponentDeploymentOf<'ElastiCacheRedis'>, context: AwsContext): Record<string, pulumi.Input<string>> {
  const { spec } = deployment;
  const { ref } = deployment;
  const platform = requirePlatform(deployment, ['vpcId', 'subnetIds']);
  const { kmsKeyArn } = deployment.environment.platform;
  const options = { provider: context.provider };
  const id = awsNames.replicationGroup(ref);
  const nodes = spec.cluster.mode === 'single-node' ? 1 : spec.cluster.numNodes;

  const subnets = new aws.elasticache.SubnetGroup('subnets', { name: id, subnetIds: platform.subnetIds, description: `${ref.service}/${ref.component}` }, options);
  const securityGroup = new aws.ec2.SecurityGroup('cache', { namePrefix: `${id}-cache-`, description: `${ref.service}/${ref.component}; services that depend on it add their ingress`, vpcId: platform.vpcId }, options);

  // Redis only accepts an AUTH token over TLS. The random resource keeps it stable across runs.
  const authToken = spec.security.transitEncryption ? new random.RandomPassword('auth-token', { length: 64, special: false }) : undefined;
  const authSecret = authToken ? new aws.secretsmanager.Secret('auth-token', { name: `${id}-auth`, description: `AUTH token of ${ref.service}/${ref.component}`, kmsKeyId: kmsKeyArn }, options) : undefined;
  if (authToken && authSecret) new aws.secretsmanager.SecretVersion('auth-token', { secretId: authSecret.id, secretString: authToken.result }, options);

  // As RDS's (rds.ts): a final snapshot of its own for each group, the suffix replaced with it.
  const replacing = { atRestEncryptionEnabled: String(spec.security.atRestEncryption), kmsKeyId: (spec.security.atRestEncryption ? kmsKeyArn : undefined) ?? '', engineVersion: spec.engine.version, transitEncryptionEnabled: String(spec.security.transitEncryption), ...(spec.restoreFromSnapshot ? { snapshotName: spec.restoreFromSnapshot } : {}) };
  const snapshotSuffix = new random.RandomId('final-snapshot', { byteLength: 4, keepers: replacing });

  const group = new aws.elasticache.ReplicationGroup('redis', {
    replicationGroupId: id,
    description: `${ref.stack}/${ref.environment}/${ref.service}/${ref.component}`,
    engine: 'redis',
    engineVersion: spec.engine.version,
    nodeType: spec.cluster.nodeType,
    numCacheClusters: nodes,
    automaticFailoverEnabled: nodes > 1,
    multiAzEnabled: nodes > 1,
    port: PORT,
    subnetGroupName: subnets.name,
    securityGroupIds: [securityGroup.id],
    atRestEncryptionEnabled: spec.security.atRestEncryption,
    kmsKeyId: spec.security.atRestEncryption ? kmsKeyArn : undefined,
    transitEncryptionEnabled: spec.security.transitEncryption,
    authToken: authToken?.result,
    snapshotRetentionLimit: 1,
    // A restore: the group starts with the snapshot's data.
    snapshotName: spec.restoreFromSnapshot,
    // Deleted (a replacement, a removed component), it leaves its data in a snapshot; without one a
    // replacement emptied the cache for good.
    finalSnapshotIdentifier: pulumi.interpolate`${id}-final-${snapshotSuffix.hex}`,
    autoMinorVersionUpgrade: false,
    // As for RDS (rds.ts): what a deployment changes is changed when it reports it done.
    applyImmediately: true,
    // Its id is fixed (the observer finds it by it): a replacement (at-rest encryption, its KMS key, a
    // downgrade, as the plan says, and only with --allow-replace) deletes first, leaving the snapshot.
  }, { ...options, deleteBeforeReplace: true });

  return {
    endpoint: group.primaryEndpointAddress,
    readerEndpoint: group.readerEndpointAddress,
    port: String(PORT),
    // As RDS's password: a reference ECS resolves when a task starts, so the token never leaves
    // Secrets Manager. Without transit encryption Redis takes no AUTH, and the app gets an empty value.
    authToken: authSecret ? pulumi.secret(authSecret.arn) : '',
    securityGroupId: securityGroup.id,
    finalSnapshotIdentifier: group.finalSnapshotIdentifier.apply((name) => name ?? ''),
  };
}
