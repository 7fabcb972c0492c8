import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { RdsSpec } from '../../model/schema';
import type { ComponentDeploymentOf } from '../deployment';
import type { AwsContext } from './context';
import { appUserName, BootstrapTask, BOOTSTRAP_IMAGES, bootstrapScript } from './dbUsers';
import { awsNames } from './names';
import { requirePlatform } from './platform';

const PORTS: Record<RdsSpec['engine'], number> = { postgres: 5432, mysql: 3306 };

/**
 * An RDS instance in the platform's private subnets: encrypted, backed up, its master password
 * managed by RDS in Secrets Manager (it never passes through deployer), reachable only from the
 * security groups of the services that depend on it (their programs add the ingress rules).
 */
export function rdsProgram(deployment: ComponentDeploymentOf<'RDS'>, context: AwsContext): Record<string, pulumi.Input<string>> {
  const { spec } = deployment;
  const { ref } = deployment;
  const platform = requirePlatform(deployment, ['vpcId', 'subnetIds', 'clusterArn']);
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
  const replacing = { engine: spec.engine, dbName: spec.database.name, username: spec.database.username, kmsKeyId: kmsKeyArn ?? '', ...(spec.restoreFromSnapshot ? { snapshotIdentifier: spec.restoreFromSnapshot } : {}) };
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
    // A restore: the data (and its users) come from the snapshot; the app's user gets its current
    // password again from the task that follows each apply.
    snapshotIdentifier: spec.restoreFromSnapshot,
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
  const app = appUser(deployment, { identifier, port, instance, masterSecretArn: secretArn, databaseGroup: securityGroup, platform, options, region: context.region });
  return {
    endpoint: instance.address,
    port: String(port),
    database: spec.database.name,
    // The app's own user, not the master (dbUsers.ts): its password is not rotated behind running tasks.
    username: app.username,
    // A reference ECS resolves when a task starts: the password itself never leaves Secrets Manager.
    password: pulumi.secret(pulumi.interpolate`${app.secret.arn}:password::`),
    secretArn: app.secret.arn,
    masterSecretArn: secretArn,
    // What the worker runs after each apply to create the user and keep its password current.
    bootstrapTask: app.bootstrapTask,
    securityGroupId: securityGroup.id,
    // Where the data goes when the instance is deleted or replaced: restore from it.
    finalSnapshotIdentifier: instance.finalSnapshotIdentifier.apply((name) => name ?? ''),
  };
}

interface AppUserInput {
  identifier: string;
  port: number;
  instance: aws.rds.Instance;
  masterSecretArn: pulumi.Output<string>;
  databaseGroup: aws.ec2.SecurityGroup;
  platform: { vpcId: string; subnetIds: string[]; clusterArn: string };
  options: { provider: aws.Provider };
  region: string;
}

/**
 * The app's user: a password of its own in a secret deployer owns (no rotation: ECS reads it when a
 * task starts, and nothing changes it behind running tasks), and a one-off Fargate task that creates
 * the user with the master's credentials, which ECS injects fresh at its own start, so it works
 * whatever the master's rotation did. The worker runs the task after each apply (dbUsers.ts).
 */
function appUser(deployment: ComponentDeploymentOf<'RDS'>, input: AppUserInput) {
  const { spec } = deployment;
  const { ref } = deployment;
  const { identifier, options, platform } = input;
  const { kmsKeyArn } = deployment.environment.platform;
  const username = appUserName(spec);
  // Letters and digits only: it travels through a shell and SQL without quoting.
  const password = new random.RandomPassword('app-password', { length: 40, special: false, keepers: { username } });
  // Deleted at once with the component: a secret waiting out a recovery window would keep the name
  // from a component created again; the bootstrap task gives a restored database the new password.
  const secret = new aws.secretsmanager.Secret('app-user', { name: `${identifier}-app`, description: `The database user of ${ref.service}/${ref.component}'s readers`, kmsKeyId: kmsKeyArn, recoveryWindowInDays: 0 }, options);
  const version = new aws.secretsmanager.SecretVersion('app-user', { secretId: secret.id, secretString: pulumi.jsonStringify({ username, password: password.result }) }, options);

  const logGroup = new aws.cloudwatch.LogGroup('bootstrap-logs', { name: `/deployer/${ref.stack}/${ref.environment}/${ref.service}/${ref.component}/db-users`, retentionInDays: 30, kmsKeyId: kmsKeyArn }, options);
  const role = new aws.iam.Role('bootstrap-role', {
    name: awsNames.role(ref, 'exec'),
    assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    description: `Starts the task that creates ${ref.service}/${ref.component}'s app user: reads the master and app secrets, writes its log`,
  }, options);
  new aws.iam.RolePolicy('bootstrap-policy', {
    role: role.id,
    policy: pulumi.all([logGroup.arn, input.masterSecretArn, secret.arn]).apply(([logGroupArn, master, app]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:*` },
          { Sid: 'Secrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [master, app] },
          ...(kmsKeyArn ? [{ Sid: 'DecryptSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: kmsKeyArn }] : []),
        ],
      }),
    ),
  }, options);
  const group = new aws.ec2.SecurityGroup('bootstrap', { namePrefix: `${identifier}-users-`, description: `The task that creates ${ref.service}/${ref.component}'s app user`, vpcId: platform.vpcId, egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'], description: 'the database, Secrets Manager, the image' }] }, options);
  new aws.vpc.SecurityGroupIngressRule('bootstrap-reaches-database', { securityGroupId: input.databaseGroup.id, referencedSecurityGroupId: group.id, ipProtocol: 'tcp', fromPort: input.port, toPort: input.port, description: `the task that creates ${ref.service}/${ref.component}'s app user` }, options);
  const taskDefinition = new aws.ecs.TaskDefinition('bootstrap', {
    family: `${awsNames.dbInstance(ref)}-users`,
    cpu: '256',
    memory: '512',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    executionRoleArn: role.arn,
    containerDefinitions: pulumi.all([input.instance.address, input.masterSecretArn, secret.arn, logGroup.name]).apply(([host, master, app, logGroupName]) =>
      JSON.stringify([
        {
          name: 'db-users',
          image: BOOTSTRAP_IMAGES[spec.engine],
          essential: true,
          entryPoint: ['sh', '-c'],
          command: [bootstrapScript(spec.engine)],
          environment: [
            { name: 'DB_HOST', value: host },
            { name: 'DB_PORT', value: String(input.port) },
            { name: 'DB_NAME', value: spec.database.name },
            { name: 'MASTER_USER', value: spec.database.username },
            { name: 'APP_USER', value: username },
          ],
          secrets: [
            { name: 'MASTER_PASSWORD', valueFrom: `${master}:password::` },
            { name: 'APP_PASSWORD', valueFrom: `${app}:password::` },
          ],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': logGroupName, 'awslogs-region': input.region, 'awslogs-stream-prefix': 'db-users' } },
        },
      ]),
    ),
  }, { ...options, dependsOn: [version] });
  const bootstrapTask = pulumi.all([taskDefinition.arn, group.id, logGroup.name]).apply(([taskDefinitionArn, groupId, logGroupName]) =>
    JSON.stringify({ cluster: platform.clusterArn, taskDefinitionArn, subnets: platform.subnetIds, securityGroups: [groupId], logGroup: logGroupName } satisfies BootstrapTask),
  );
  return { username, secret, bootstrapTask };
}
