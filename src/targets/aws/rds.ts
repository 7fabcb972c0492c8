import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { RdsSpec } from '../../model/schema';
import type { ComponentDeployment } from '../deployment';
import type { AwsContext } from './context';
import { awsNames } from './names';
import { requirePlatform } from './platform';

const PORTS: Record<RdsSpec['engine'], number> = { postgres: 5432, mysql: 3306 };

/**
 * An RDS instance in the platform's private subnets: encrypted, backed up, its master password
 * managed by RDS in Secrets Manager (it never passes through deployer), reachable only from the
 * security groups of the services that depend on it (their programs add the ingress rules).
 */
export function rdsProgram(deployment: ComponentDeployment, context: AwsContext): Record<string, pulumi.Input<string>> {
  const spec = deployment.spec as RdsSpec;
  const { ref } = deployment;
  const platform = requirePlatform(deployment, ['vpcId', 'subnetIds']);
  const { kmsKeyArn } = deployment.environment.platform;
  const options = { provider: context.provider };
  const identifier = awsNames.dbInstance(ref);
  const port = PORTS[spec.engine];

  const subnets = new aws.rds.SubnetGroup('subnets', { name: identifier, subnetIds: platform.subnetIds, description: `${ref.service}/${ref.component}` }, options);
  const securityGroup = new aws.ec2.SecurityGroup('database', { namePrefix: `${identifier}-db-`, description: `${ref.service}/${ref.component}; services that depend on it add their ingress`, vpcId: platform.vpcId }, options);

  // Each instance's final snapshot has a name of its own: a fixed name was taken by the first
  // replacement's snapshot, and RDS refused to delete the second instance. The suffix is replaced
  // with the instance (its keepers are the inputs that replace it: replacements.ts), so it stays
  // the same while the instance lives, and a destroyed component re-created gets a new one.
  const replacing = { engine: spec.engine, dbName: spec.database.name, username: spec.database.username, kmsKeyId: kmsKeyArn ?? '' };
  const snapshotSuffix = new random.RandomId('final-snapshot', { byteLength: 4, keepers: replacing });

  const instance = new aws.rds.Instance('database', {
    identifier,
    engine: spec.engine,
    engineVersion: spec.version,
    instanceClass: spec.instanceClass,
    allocatedStorage: spec.storage.allocatedGb,
    storageType: spec.storage.type,
    iops: spec.storage.iops,
    storageEncrypted: true,
    kmsKeyId: kmsKeyArn,
    multiAz: spec.multiAZ,
    dbName: spec.database.name,
    username: spec.database.username,
    manageMasterUserPassword: true,
    masterUserSecretKmsKeyId: kmsKeyArn,
    port,
    dbSubnetGroupName: subnets.name,
    vpcSecurityGroupIds: [securityGroup.id],
    publiclyAccessible: false,
    backupRetentionPeriod: spec.backup.retentionDays,
    copyTagsToSnapshot: true,
    // The spec names the version: AWS upgrading it behind deployer's back would be drift, and the
    // next deployment would try to downgrade.
    autoMinorVersionUpgrade: false,
    // Data outlives mistakes: deleting it leaves a snapshot, and where releases need approval a
    // delete also needs deletion protection turned off first.
    deletionProtection: deployment.environment.approval.required,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: pulumi.interpolate`${identifier}-final-${snapshotSuffix.hex}`,
    // Automated backups outlive the instance for their retention period: a restore to a point in
    // time before a replacement stays possible.
    deleteAutomatedBackups: false,
    // A deployment is the moment its team chose (and, where required, approved) for the change:
    // class, Multi-AZ, storage and version changes happen now, so the release record, health gate,
    // drift and cost describe what runs, not what a maintenance window will bring later.
    applyImmediately: true,
    // The spec names the version and the plan shows its change; a new major version is refused by
    // RDS without this, and a downgrade RDS refuses anyway.
    allowMajorVersionUpgrade: true,
    // The identifier is fixed (the observer finds the instance by it), so a replacement (a new engine,
    // database name, user or KMS key, as the plan says, and only with --allow-replace) deletes first;
    // deletion leaves the final snapshot, and where approval is required deletion protection stops it
    // altogether.
  }, { ...options, deleteBeforeReplace: true });

  const secretArn = instance.masterUserSecrets.apply((secrets) => secrets[0]?.secretArn ?? '');
  return {
    endpoint: instance.address,
    port: String(port),
    database: spec.database.name,
    username: spec.database.username,
    // A reference ECS resolves when a task starts: the password itself never leaves Secrets Manager.
    password: pulumi.secret(pulumi.interpolate`${secretArn}:password::`),
    secretArn,
    securityGroupId: securityGroup.id,
    // Where the data goes when the instance is deleted or replaced: restore from it.
    finalSnapshotIdentifier: instance.finalSnapshotIdentifier.apply((name) => name ?? ''),
  };
}
