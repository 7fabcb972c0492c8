import fs from 'node:fs';
import path from 'node:path';
import type { DesiredStack } from '../../src/model/types';
import { listenerRulePriority } from '../../src/targets/aws/listenerPriority';
import { awsNames } from '../../src/targets/aws/names';
import { awsProgram } from '../../src/targets/aws/programs';
import { ComponentDeployment, componentDeployment } from '../../src/targets/deployment';
import { componentOf, copyAwsExample, example, loadAwsStack, renderAwsStack } from '../support/awsExample';
import { installAwsMocks, mockListeners, render, Rendered, RenderedResource } from '../support/pulumiMocks';
import { AwsTargetError } from '../../src/errors';

const ACCOUNT = '333333333333';
let repo: string;

beforeAll(() => {
  repo = copyAwsExample();
  installAwsMocks(ACCOUNT, 'us-east-1');
});

afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

function loadStack(environment: string): DesiredStack {
  return loadAwsStack(repo, environment);
}

function renderStack(environment: string): Promise<Map<string, Rendered>> {
  return renderAwsStack(loadStack(environment));
}

const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d';
// The Secrets Manager secret the cache keeps its AUTH token in (the mocks append AWS's random suffix).
const CACHE_AUTH_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${awsNames.replicationGroup({ stack: 'user-platform', environment: 'production', service: 'notification-service', component: 'cache' })}-auth-AbCdEf`;

// The app user's password (rds.ts), as the mocks name it.
const APP_USER_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:user-platform-production-notification-service-database-app-AbCdEf`;

/** How a secret input reaches the engine: wrapped with Pulumi's secret signature. */
function secret(value: string): Record<string, string> {
  return { [SECRET_SIGNATURE]: '1b47061264138c4ac30d75fd1eb44270', value };
}

function only(rendered: Rendered, type: string): Record<string, unknown> {
  const matching = rendered.resources.filter((resource) => resource.type === type);
  if (matching.length !== 1) throw new Error(`expected one ${type}, found ${matching.length}: ${rendered.resources.map((resource) => resource.type).join(', ')}`);
  return matching[0]!.inputs;
}

function all(rendered: Rendered, type: string): Record<string, unknown>[] {
  return rendered.resources.filter((resource) => resource.type === type).map((resource) => resource.inputs);
}

/** JSON-valued inputs (policies, container definitions) parsed, so snapshots show them as data. */
function readable(resources: RenderedResource[]): unknown[] {
  const parse = (value: unknown): unknown => {
    if (typeof value === 'string' && /^[[{]/.test(value)) {
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    }
    if (Array.isArray(value)) return value.map(parse);
    if (value && typeof value === 'object' && SECRET_SIGNATURE in value) return '[secret]';
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, parse(item)]));
    return value;
  };
  return resources.map((resource) => ({ type: resource.type, name: resource.name, inputs: parse(resource.inputs) })).sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));
}

describe('aws programs for the example stack in production', () => {
  let production: Map<string, Rendered>;
  beforeAll(async () => {
    production = await renderStack('production');
  });

  test('every resource is created in the environment region with the component tags', () => {
    for (const [id, rendered] of production) {
      const provider = only(rendered, 'pulumi:providers:aws');
      expect(provider.region).toBe('us-east-1');
      // Credentials of another account fail before anything is created.
      expect(JSON.parse(String(provider.allowedAccountIds))).toEqual([ACCOUNT]);
      const [service, component] = id.split('/');
      expect(JSON.parse(String(provider.defaultTags)).tags).toEqual({
        'deployer:stack': 'user-platform',
        'deployer:environment': 'production',
        'deployer:service': service,
        'deployer:component': component,
        'managed-by': 'deployer',
      });
    }
  });

  test('MicroService: Fargate task definition with the production size, its image from the account ECR, secrets by reference', () => {
    const api = production.get('notification-service/api')!;
    const task = only(api, 'aws:ecs/taskDefinition:TaskDefinition');
    expect(task).toMatchObject({ family: 'user-platform-production-notification-service-api', cpu: '512', memory: '1024', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], tags: { 'deployer:version': 'v1.2.0' } });
    const [app, writer] = JSON.parse(String(task.containerDefinitions));
    expect(app.image).toBe(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/notification-api:v1.2.0`);
    // Named, so ECS Service Connect can publish it.
    expect(app.portMappings).toEqual([{ containerPort: 8080, protocol: 'tcp', name: 'http', appProtocol: 'http' }]);
    const environment = Object.fromEntries(app.environment.map((variable: { name: string; value: string }) => [variable.name, variable.value]));
    expect(environment).toMatchObject({
      LOG_LEVEL: 'info',
      DATABASE_HOST: 'user-platform-production-notification-service-database.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com',
      CACHE_HOST: `master.${awsNames.replicationGroup({ stack: 'user-platform', environment: 'production', service: 'notification-service', component: 'cache' })}.abc123.use1.cache.amazonaws.com`,
      QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/user-platform-production-notification-service-queue`,
      USER_SERVICE_URL: 'https://users.production.example.com/users',
      CONFIG_DIR: '/config',
      PORT: '8080',
    });
    expect(environment).not.toHaveProperty('DATABASE_PASSWORD');
    expect(environment).not.toHaveProperty('CACHE_AUTH_TOKEN');
    expect(app.secrets).toEqual([
      { name: 'CACHE_AUTH_TOKEN', valueFrom: CACHE_AUTH_SECRET },
      // The app's own user (not the master, whose secret RDS rotates behind running tasks).
      { name: 'DATABASE_PASSWORD', valueFrom: `${APP_USER_SECRET}:password::` },
    ]);
    expect(app.logConfiguration).toEqual({ logDriver: 'awslogs', options: { 'awslogs-group': '/deployer/user-platform/production/notification-service/api', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' } });
    expect(app.mountPoints).toEqual([{ sourceVolume: 'config', containerPath: '/config', readOnly: true }]);
    expect(app.dependsOn).toEqual([{ containerName: 'config', condition: 'SUCCESS' }]);
    // The config writer puts configs/app.yaml, byte for byte, at /config/app.yaml.
    const files = Object.fromEntries(writer.environment.map((variable: { name: string; value: string }) => [variable.name, variable.value]));
    expect(files.CONFIG_PATH_0).toBe('app.yaml');
    const source = path.join(example, 'stacks/user-platform/services/notification-service/components/api/configs/app.yaml');
    expect(Buffer.from(files.CONFIG_0, 'base64').toString()).toBe(fs.readFileSync(source, 'utf8'));
    expect(writer.essential).toBe(false);
  });

  test('MicroService: ECS service with circuit breaker, no exec (production does not turn it on), the ALB route and health check, and CPU autoscaling', () => {
    const api = production.get('notification-service/api')!;
    const service = only(api, 'aws:ecs/service:Service');
    expect(service).toMatchObject({
      name: 'user-platform-production-notification-service-api',
      cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/platform-production`,
      desiredCount: 5,
      launchType: 'FARGATE',
      deploymentCircuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand: false,
      healthCheckGracePeriodSeconds: 10,
      waitForSteadyState: true,
      loadBalancers: [{ containerName: 'api', containerPort: 8080 }],
      networkConfiguration: { assignPublicIp: false, subnets: ['subnet-0fa1b2c3d4e5f6a7b8', 'subnet-0fb1b2c3d4e5f6a7b8', 'subnet-0fc1b2c3d4e5f6a7b8'], securityGroups: ['tasks-id', 'sg-0f5e6f7a8b9c0d1e2f'] },
    });
    expect(only(api, 'aws:lb/targetGroup:TargetGroup')).toMatchObject({ port: 8080, protocol: 'HTTP', targetType: 'ip', vpcId: 'vpc-0f1a2b3c4d5e6f7a8b', healthCheck: { path: '/health', interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3, matcher: '200-399' } });
    expect(only(api, 'aws:lb/listenerRule:ListenerRule')).toMatchObject({
      listenerArn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/platform-production/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      conditions: [{ pathPattern: { values: ['/notifications', '/notifications/*'] } }, { hostHeader: { values: ['notifications.production.example.com'] } }],
      actions: [{ type: 'forward' }],
      priority: listenerRulePriority({ path: '/notifications', host: 'notifications.production.example.com' }),
    });
    expect(only(api, 'aws:appautoscaling/target:Target')).toMatchObject({ minCapacity: 5, maxCapacity: 20, resourceId: 'service/platform-production/user-platform-production-notification-service-api', scalableDimension: 'ecs:service:DesiredCount' });
    expect(only(api, 'aws:appautoscaling/policy:Policy')).toMatchObject({ policyType: 'TargetTrackingScaling', targetTrackingScalingPolicyConfiguration: { targetValue: 70, predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' } } });
    expect(only(api, 'aws:cloudwatch/logGroup:LogGroup')).toMatchObject({ name: '/deployer/user-platform/production/notification-service/api', retentionInDays: 30 });
    // The health gate checks ECS runs this task definition: the circuit breaker may have rolled it back.
    expect(api.outputs.taskDefinitionArn).toBe(`arn:aws:ecs:us-east-1:${ACCOUNT}:task`);
  });

  test('MicroService: roles allow exactly its image, log group, secret and queue; its dependencies admit its tasks', () => {
    const api = production.get('notification-service/api')!;
    const policies = Object.fromEntries(api.resources.filter((resource) => resource.type === 'aws:iam/rolePolicy:RolePolicy').map((resource) => [resource.name, JSON.parse(String(resource.inputs.policy))]));
    const execution = policies['execution-policy'].Statement;
    expect(execution).toContainEqual(expect.objectContaining({ Sid: 'EcrPull', Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/notification-api` }));
    expect(execution).toContainEqual(expect.objectContaining({ Sid: 'Secrets', Action: 'secretsmanager:GetSecretValue', Resource: [APP_USER_SECRET, CACHE_AUTH_SECRET] }));
    expect(execution).toContainEqual(expect.objectContaining({ Sid: 'Logs', Resource: expect.stringMatching(/:\*$/) }));
    const task = policies['task-policy'].Statement;
    expect(task).toContainEqual(expect.objectContaining({ Sid: 'Queues', Resource: [`arn:aws:sqs:us-east-1:${ACCOUNT}:user-platform-production-notification-service-queue`] }));
    // The queue is encrypted with the platform key: without these, sends and receives are denied.
    expect(task).toContainEqual({ Sid: 'QueueEncryption', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000` });
    for (const role of all(api, 'aws:iam/role:Role')) expect(JSON.parse(String(role.assumeRolePolicy)).Statement[0].Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });

    const ingress = all(api, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map((rule) => ({ group: rule.securityGroupId, port: rule.fromPort, from: rule.referencedSecurityGroupId }));
    // user-service/api's tasks admit this one's too: it calls them (USER_SERVICE_URL), through Service Connect or not.
    expect(ingress).toHaveLength(3);
    expect(ingress).toEqual(expect.arrayContaining([{ group: 'database-id', port: 5432, from: 'tasks-id' }, { group: 'cache-id', port: 6379, from: 'tasks-id' }, { group: 'tasks-id', port: 8080, from: 'tasks-id' }]));
  });

  test('RDS: encrypted, Multi-AZ in production, managed password, private, protected; outputs a reference, not a password', () => {
    const database = production.get('notification-service/database')!;
    expect(only(database, 'aws:rds/instance:Instance')).toMatchObject({
      identifier: 'user-platform-production-notification-service-database',
      engine: 'postgres',
      engineVersion: '16.4',
      instanceClass: 'db.t3.medium',
      allocatedStorage: 20,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
      multiAz: true,
      backupRetentionPeriod: 30,
      dbName: 'notifications',
      username: 'notifications',
      manageMasterUserPassword: true,
      publiclyAccessible: false,
      deletionProtection: true,
      skipFinalSnapshot: false,
      port: 5432,
      vpcSecurityGroupIds: ['database-id'],
      // Changed when deployed, not in a maintenance window the release record knows nothing of.
      applyImmediately: true,
      allowMajorVersionUpgrade: true,
    });
    expect(only(database, 'aws:rds/instance:Instance')).not.toHaveProperty('password');
    expect(only(database, 'aws:rds/subnetGroup:SubnetGroup').subnetIds).toHaveLength(3);
    expect(database.outputs).toMatchObject({ port: '5432', database: 'notifications', username: 'notifications_app', password: `${APP_USER_SECRET}:password::`, securityGroupId: 'database-id' });
  });

  test('RDS: the app gets a user of its own, whose password no rotation changes behind running tasks; a one-off task creates it with the master', () => {
    const database = production.get('notification-service/database')!;
    const master = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:rds!db-0a1b2c3d-AbCdEf`;
    expect(database.outputs).toMatchObject({ username: 'notifications_app', secretArn: APP_USER_SECRET, masterSecretArn: master });
    expect(database.secretOutputs).toEqual(['password']);
    // Deployer's own secret: no rotation is configured for it (RDS rotates only the master's).
    expect(database.resources.map((resource) => resource.type)).not.toContain('aws:secretsmanager/secretRotation:SecretRotation');
    expect(database.resources.find((resource) => resource.type === 'aws:secretsmanager/secret:Secret')!.inputs).toMatchObject({ name: 'user-platform-production-notification-service-database-app', kmsKeyId: expect.stringContaining(':key/'), recoveryWindowInDays: 0 });
    expect(only(database, 'random:index/randomPassword:RandomPassword')).toMatchObject({ length: 40, special: false, keepers: { username: 'notifications_app' } });

    const task = only(database, 'aws:ecs/taskDefinition:TaskDefinition');
    const [container] = JSON.parse(String(task.containerDefinitions));
    expect(container).toMatchObject({ image: 'public.ecr.aws/docker/library/postgres:16-alpine', entryPoint: ['sh', '-c'], essential: true });
    expect(container.command[0]).toContain("CREATE ROLE %I LOGIN");
    expect(container.environment).toEqual([
      { name: 'DB_HOST', value: 'user-platform-production-notification-service-database.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com' },
      { name: 'DB_PORT', value: '5432' },
      { name: 'DB_NAME', value: 'notifications' },
      { name: 'MASTER_USER', value: 'notifications' },
      { name: 'APP_USER', value: 'notifications_app' },
    ]);
    // Both passwords by reference, read when the task starts: the master's is current whatever its rotation did.
    expect(container.secrets).toEqual([{ name: 'MASTER_PASSWORD', valueFrom: `${master}:password::` }, { name: 'APP_PASSWORD', valueFrom: `${APP_USER_SECRET}:password::` }]);
    const policy = JSON.parse(String(database.resources.find((resource) => resource.name === 'bootstrap-policy')!.inputs.policy)).Statement;
    expect(policy).toContainEqual({ Sid: 'Secrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [master, APP_USER_SECRET] });
    expect(database.resources.find((resource) => resource.name === 'bootstrap-reaches-database')!.inputs).toMatchObject({ securityGroupId: 'database-id', referencedSecurityGroupId: 'bootstrap-id', fromPort: 5432, toPort: 5432 });
    // What the worker runs after the apply (dbUsers.ts ensureAppUser).
    expect(JSON.parse(String(database.outputs.bootstrapTask))).toEqual({
      cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/platform-production`,
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:bootstrap`,
      subnets: ['subnet-0fa1b2c3d4e5f6a7b8', 'subnet-0fb1b2c3d4e5f6a7b8', 'subnet-0fc1b2c3d4e5f6a7b8'],
      securityGroups: ['bootstrap-id'],
      logGroup: '/deployer/user-platform/production/notification-service/database/db-users',
    });
  });

  test('ElastiCacheRedis: replication group with failover over two nodes, encryption both ways and an AUTH token kept in Secrets Manager', () => {
    const cache = production.get('notification-service/cache')!;
    expect(only(cache, 'aws:elasticache/replicationGroup:ReplicationGroup')).toMatchObject({
      engine: 'redis',
      engineVersion: '7.0',
      nodeType: 'cache.t3.medium',
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      // Marked secret, so the engine encrypts it in state and never prints it.
      authToken: secret('mock-random-password'),
      securityGroupIds: ['cache-id'],
      applyImmediately: true,
    });
    expect(String(only(cache, 'aws:elasticache/replicationGroup:ReplicationGroup').replicationGroupId).length).toBeLessThanOrEqual(40);
    expect(only(cache, 'aws:secretsmanager/secretVersion:SecretVersion').secretString).toEqual(secret('mock-random-password'));
    expect(cache.outputs).toMatchObject({ port: '6379', securityGroupId: 'cache-id' });
    expect(String(cache.outputs.endpoint)).toMatch(/^master\./);
    expect(JSON.stringify(cache.outputs)).not.toContain('mock-random-password');
    // The token's output is a reference to that secret, marked secret as RDS's password is.
    expect(cache.outputs.authToken).toBe(CACHE_AUTH_SECRET);
    expect(cache.secretOutputs).toEqual(['authToken']);
  });

  test('SQS: encrypted queue whose failures land in a dead letter queue after maxReceiveCount', () => {
    const queue = production.get('notification-service/queue')!;
    const queues = Object.fromEntries(all(queue, 'aws:sqs/queue:Queue').map((inputs) => [String(inputs.name), inputs]));
    const main = queues['user-platform-production-notification-service-queue']!;
    const deadLetter = queues['user-platform-production-notification-service-queue-dlq']!;
    expect(main).toMatchObject({ fifoQueue: false, visibilityTimeoutSeconds: 60, messageRetentionSeconds: 345600, kmsMasterKeyId: expect.stringContaining(':key/') });
    expect(JSON.parse(String(main.redrivePolicy))).toEqual({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:user-platform-production-notification-service-queue-dlq`, maxReceiveCount: 5 });
    expect(deadLetter).toMatchObject({ messageRetentionSeconds: 1209600 });
    expect(queue.outputs).toMatchObject({ url: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/user-platform-production-notification-service-queue`, arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:user-platform-production-notification-service-queue` });
  });

  test.each(['notification-service/api', 'notification-service/database', 'notification-service/cache', 'notification-service/queue'])('golden: the resources %s renders', (id) => {
    expect(readable(production.get(id)!.resources)).toMatchSnapshot();
  });
});

describe('a cache without transit encryption', () => {
  test('takes no AUTH token: its authToken output is empty and plain, and the api gets an empty variable, no secret', async () => {
    const stack = loadStack('production');
    (componentOf(stack, 'notification-service/cache').spec as { security: { transitEncryption: boolean } }).security.transitEncryption = false;
    const rendered = await renderAwsStack(stack);
    const cache = rendered.get('notification-service/cache')!;
    expect(cache.resources.map((resource) => resource.type)).not.toContain('aws:secretsmanager/secret:Secret');
    expect(cache.outputs.authToken).toBe('');
    expect(cache.secretOutputs).toEqual([]);
    const [app] = JSON.parse(String(only(rendered.get('notification-service/api')!, 'aws:ecs/taskDefinition:TaskDefinition').containerDefinitions));
    expect(app.environment).toContainEqual({ name: 'CACHE_AUTH_TOKEN', value: '' });
    expect(app.secrets.map((reference: { name: string }) => reference.name)).toEqual(['DATABASE_PASSWORD']);
  });
});

describe('aws programs in development', () => {
  let development: Map<string, Rendered>;
  beforeAll(async () => {
    development = await renderStack('development');
  });

  test('a database there can be deleted (no deletion protection) but still leaves a final snapshot', () => {
    expect(only(development.get('notification-service/database')!, 'aws:rds/instance:Instance')).toMatchObject({ deletionProtection: false, multiAz: false, skipFinalSnapshot: false });
  });

  test('ECS Exec, turned on there (spec.ecsExec), with its channel and its sessions logged to the service\'s log group', () => {
    const api = development.get('notification-service/api')!;
    expect(only(api, 'aws:ecs/service:Service').enableExecuteCommand).toBe(true);
    const task = JSON.parse(String(api.resources.find((resource) => resource.name === 'task-policy')!.inputs.policy)).Statement;
    expect(task).toContainEqual(expect.objectContaining({ Sid: 'EcsExec', Resource: '*' }));
    expect(task).toContainEqual({ Sid: 'EcsExecSessionLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: expect.stringMatching(/:\*$/) });
    // Beside the Logs statement of the execution role: the same log group, its streams.
    const execution = JSON.parse(String(api.resources.find((resource) => resource.name === 'execution-policy')!.inputs.policy)).Statement;
    expect(task.find((statement: { Sid: string }) => statement.Sid === 'EcsExecSessionLogs').Resource).toBe(execution.find((statement: { Sid: string }) => statement.Sid === 'Logs').Resource);
  });
});

describe('ECS Exec where the environment does not turn it on', () => {
  test('no exec, no exec channel, and no task policy at all for a task that needs no AWS access', async () => {
    const production = await renderStack('production');
    const task = JSON.parse(String(production.get('notification-service/api')!.resources.find((resource) => resource.name === 'task-policy')!.inputs.policy)).Statement;
    expect(task.map((statement: { Sid: string }) => statement.Sid)).toEqual(['Queues', 'QueueEncryption']);
    const userApi = production.get('user-service/api')!;
    expect(only(userApi, 'aws:ecs/service:Service').enableExecuteCommand).toBe(false);
    expect(userApi.resources.find((resource) => resource.name === 'task-policy')).toBeUndefined();
  });
});

/** user-service/api in staging, as a worker would deploy it, after `change`. */
function apiDeployment(change: (deployment: ComponentDeployment) => void): ComponentDeployment {
  const stack = loadStack('staging');
  const component = componentOf(stack, 'user-service/api');
  const deployment = componentDeployment(stack.stack, { name: 'staging', spec: structuredClone(stack.environment.spec) }, structuredClone(component), { resolved: { DATABASE_HOST: { value: 'db.internal', secret: false } } });
  change(deployment);
  return deployment;
}

describe('listener rules on the shared ALB', () => {
  async function priorityOf(ingress: { path: string; host?: string }): Promise<number> {
    const rendered = await render(awsProgram(apiDeployment((d) => {
      (d.spec as { ingress: unknown }).ingress = ingress;
    })));
    return Number(only(rendered, 'aws:lb/listenerRule:ListenerRule').priority);
  }

  test('have explicit priorities by specificity: host first, deeper paths before their prefixes, the root last', async () => {
    // One render at a time: the mocks collect the resources of whatever program runs.
    const host = await priorityOf({ host: 'admin.example.com', path: '/' });
    const admin = await priorityOf({ path: '/api/admin' });
    const api = await priorityOf({ path: '/api' });
    const root = await priorityOf({ path: '/' });
    expect(host).toBeLessThan(admin);
    expect(admin).toBeLessThan(api);
    expect(api).toBeLessThan(root);
    for (const priority of [host, admin, api, root]) expect(priority).toBeGreaterThanOrEqual(1);
    expect(root).toBeLessThanOrEqual(50000);
  });

  test('come from the route alone, so a deployment never renumbers another service: same route, same priority', async () => {
    expect(await priorityOf({ path: '/api/' })).toBe(await priorityOf({ path: '/api' }));
    expect(await priorityOf({ path: '/API' })).not.toBe(await priorityOf({ path: '/api' }));
  });
});

describe('what the aws target refuses', () => {
  test('an environment without the platform references a MicroService needs: one error naming each', async () => {
    const deployment = apiDeployment((d) => {
      delete d.environment.platform.clusterArn;
      d.environment.platform.subnetIds = [];
    });
    const failure = render(awsProgram(deployment));
    await expect(failure).rejects.toThrow(AwsTargetError);
    await expect(failure).rejects.toThrow(/environments\/staging\.yaml has no spec\.platform\.clusterArn \(the ECS cluster services run in\), spec\.platform\.subnetIds/);
  });

  test('a secret value that is not a Secrets Manager or SSM reference never goes into a task definition', async () => {
    const deployment = apiDeployment((d) => {
      d.resolved.DATABASE_HOST = { value: 'plain-secret-value', secret: true };
    });
    await expect(render(awsProgram(deployment))).rejects.toThrow(/DATABASE_HOST comes from a secret output that is not a Secrets Manager or SSM reference/);
  });

  test('secretFrom: a Secrets Manager name with a key and an SSM parameter become ECS references the execution role may read', async () => {
    const deployment = apiDeployment((d) => {
      (d.spec as { environment: unknown[] }).environment.push({ name: 'API_TOKEN', secretFrom: { secret: 'user-service/api', key: 'token' } }, { name: 'SIGNING_KEY', secretFrom: { secret: '/user-service/signing-key' } });
    });
    const rendered = await render(awsProgram(deployment));
    const [app] = JSON.parse(String(only(rendered, 'aws:ecs/taskDefinition:TaskDefinition').containerDefinitions));
    const staging = '222222222222';
    expect(app.secrets).toEqual([
      { name: 'API_TOKEN', valueFrom: `arn:aws:secretsmanager:us-east-1:${staging}:secret:user-service/api:token::` },
      { name: 'SIGNING_KEY', valueFrom: `arn:aws:ssm:us-east-1:${staging}:parameter/user-service/signing-key` },
    ]);
    const execution = JSON.parse(String(rendered.resources.find((resource) => resource.name === 'execution-policy')!.inputs.policy)).Statement;
    expect(execution).toContainEqual(expect.objectContaining({ Sid: 'Secrets', Resource: [`arn:aws:secretsmanager:us-east-1:${staging}:secret:user-service/api-??????`] }));
    expect(execution).toContainEqual(expect.objectContaining({ Sid: 'Parameters', Resource: [`arn:aws:ssm:us-east-1:${staging}:parameter/user-service/signing-key`] }));
  });

  test('without an account in the environment, the account comes from the caller identity', async () => {
    const deployment = apiDeployment((d) => {
      delete d.environment.account;
    });
    const rendered = await render(awsProgram(deployment));
    const [app] = JSON.parse(String(only(rendered, 'aws:ecs/taskDefinition:TaskDefinition').containerDefinitions));
    expect(app.image).toBe(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/user-api:v2.4.1`);
  });
});

describe('service urls and reach', () => {
  const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:222222222222:listener/app/platform-staging/50dc6c495c0c9188/f2f7dc8efc522ab2';
  afterEach(() => mockListeners.clear());

  test('on HTTPS: the host with its own certificate, validated in the platform zone and added to the listener', async () => {
    const rendered = await render(awsProgram(apiDeployment(() => undefined)));
    expect(rendered.outputs.url).toBe('https://users.staging.example.com/users');
    expect(only(rendered, 'aws:acm/certificate:Certificate')).toEqual({ domainName: 'users.staging.example.com', validationMethod: 'DNS' });
    expect(rendered.resources.find((resource) => resource.name === 'certificate-validation')!.inputs).toMatchObject({ zoneId: 'Z051234567890ABCDEFG', type: 'CNAME', name: '_3f2a.users.staging.example.com.' });
    expect(only(rendered, 'aws:acm/certificateValidation:CertificateValidation')).toMatchObject({ validationRecordFqdns: ['_3f2a.users.staging.example.com'] });
    expect(only(rendered, 'aws:lb/listenerCertificate:ListenerCertificate')).toMatchObject({ listenerArn: LISTENER, certificateArn: expect.stringContaining(':certificate/') });
  });

  test('on an HTTP listener: an http url, the load balancer name without a host, its port when not 80, and no certificate', async () => {
    mockListeners.set(LISTENER, { protocol: 'HTTP', port: 80 });
    const plain = apiDeployment((d) => {
      d.environment.platform.albProtocol = 'HTTP';
      delete (d.spec as { ingress: { host?: string } }).ingress.host;
    });
    const rendered = await render(awsProgram(plain));
    expect(rendered.outputs.url).toBe('http://platform-staging-1234567890.us-east-1.elb.amazonaws.com/users');
    expect(rendered.resources.map((resource) => resource.type)).not.toContain('aws:acm/certificate:Certificate');
    mockListeners.set(LISTENER, { protocol: 'HTTP', port: 8000 });
    expect((await render(awsProgram(plain))).outputs.url).toBe('http://platform-staging-1234567890.us-east-1.elb.amazonaws.com:8000/users');
  });

  test('a listener that serves something else than the environment says fails the program, saying which to correct', async () => {
    mockListeners.set(LISTENER, { protocol: 'HTTP', port: 80 });
    const failure = render(awsProgram(apiDeployment(() => undefined)));
    await expect(failure).rejects.toThrow(AwsTargetError);
    await expect(failure).rejects.toThrow(`environments/staging.yaml says the listener serves HTTPS (spec.platform.albProtocol, by default), but ${LISTENER} serves HTTP. Set spec.platform.albProtocol: HTTP, or point albListenerArn at the HTTPS listener; nothing was created.`);
  });

  test('without ingress, through Service Connect: a private url, no route or certificate, and its callers admitted on its port', async () => {
    const stack = loadStack('production');
    delete (componentOf(stack, 'user-service/api').spec as { ingress?: unknown }).ingress;
    const rendered = await renderAwsStack(stack);
    const users = rendered.get('user-service/api')!;
    expect(users.outputs.url).toBe('http://user-platform-production-user-service-api:8080');
    expect(users.resources.map((resource) => resource.type)).toEqual(expect.not.arrayContaining(['aws:lb/targetGroup:TargetGroup', 'aws:lb/listenerRule:ListenerRule', 'aws:acm/certificate:Certificate']));
    expect(only(users, 'aws:ecs/service:Service')).toMatchObject({
      loadBalancers: [],
      serviceConnectConfiguration: { enabled: true, namespace: `arn:aws:servicediscovery:us-east-1:${ACCOUNT}:namespace/ns-0f1a2b3c4d5e6f7a8`, services: [{ portName: 'http', discoveryName: 'user-platform-production-user-service-api', clientAlias: [{ port: 8080, dnsName: 'user-platform-production-user-service-api' }] }] },
    });
    const caller = rendered.get('notification-service/api')!;
    const [app] = JSON.parse(String(only(caller, 'aws:ecs/taskDefinition:TaskDefinition').containerDefinitions));
    expect(app.environment).toContainEqual({ name: 'USER_SERVICE_URL', value: 'http://user-platform-production-user-service-api:8080' });
    expect(caller.resources.find((resource) => resource.name === 'reach-user-service-api')!.inputs).toMatchObject({ securityGroupId: 'tasks-id', fromPort: 8080, toPort: 8080, referencedSecurityGroupId: 'tasks-id' });
  });

  test('without ingress or a Service Connect namespace: no address (validation refuses a reader of its url)', async () => {
    const rendered = await render(awsProgram(apiDeployment((d) => {
      delete (d.spec as { ingress?: unknown }).ingress;
      delete d.environment.platform.serviceConnectNamespace;
    })));
    expect(rendered.outputs.url).toBe('ecs://platform-staging/user-platform-staging-user-service-api');
    expect(only(rendered, 'aws:ecs/service:Service').serviceConnectConfiguration).toBeUndefined();
  });
});

describe('a canary step on aws', () => {
  const stable = () => apiDeployment(() => undefined);
  /** The new version as a canary of `weight` percent beside the stable release. */
  const canaryStep = (weight: number, change: (deployment: ComponentDeployment) => void = () => undefined) =>
    apiDeployment((d) => {
      (d.spec as { image: string }).image = 'user-api:v1.3.0';
      change(d);
      d.canary = { weight, stable: stable() };
    });
  const byName = (rendered: Rendered) => new Map(rendered.resources.map((resource) => [`${resource.type}/${resource.name}`, resource.inputs]));

  test('leaves every stable resource as its release made it, but the route, which splits requests by weight', async () => {
    const before = byName(await render(awsProgram(stable())));
    const during = byName(await render(awsProgram(canaryStep(10))));
    const changed = [...before].filter(([key, inputs]) => JSON.stringify(during.get(key)) !== JSON.stringify(inputs)).map(([key]) => key);
    expect(changed).toEqual(['aws:lb/listenerRule:ListenerRule/route']);
    const route = during.get('aws:lb/listenerRule:ListenerRule/route')!;
    expect(route.actions).toEqual([{ type: 'forward', forward: { targetGroups: [{ arn: expect.stringContaining('target-group'), weight: 90 }, { arn: expect.stringContaining('target-group-canary'), weight: 10 }] } }]);
    expect([...during.keys()].filter((key) => !before.has(key)).sort()).toEqual([
      'aws:ecs/service:Service/service-canary',
      'aws:ecs/taskDefinition:TaskDefinition/task-canary',
      'aws:lb/listenerRule:ListenerRule/route-canary',
      'aws:lb/targetGroup:TargetGroup/target-group-canary',
    ]);
  });

  test('runs the new version as its own ECS service behind its own target group, with its share of the replicas, reached privately by no one', async () => {
    const rendered = await render(awsProgram(canaryStep(5)));
    const service = rendered.resources.find((resource) => resource.name === 'service-canary')!.inputs;
    // 2 stable replicas: 5% of them rounds up to one task.
    expect(service).toMatchObject({ name: 'user-platform-staging-user-service-api-canary', desiredCount: 1, waitForSteadyState: true, deploymentCircuitBreaker: { enable: true, rollback: true }, loadBalancers: [{ containerName: 'api', containerPort: 8080 }] });
    // A Service Connect client only: private callers keep reaching the stable release.
    expect(service.serviceConnectConfiguration).toMatchObject({ enabled: true });
    expect(service.serviceConnectConfiguration).not.toHaveProperty('services');
    const task = rendered.resources.find((resource) => resource.name === 'task-canary')!.inputs;
    expect(task.family).toBe('user-platform-staging-user-service-api-canary');
    expect(JSON.parse(String(task.containerDefinitions))[0].image).toBe('222222222222.dkr.ecr.us-east-1.amazonaws.com/user-api:v1.3.0');
    expect(task.tags).toEqual({ 'deployer:version': 'v1.3.0' });
    const stableTask = rendered.resources.find((resource) => resource.name === 'task')!.inputs;
    expect(JSON.parse(String(stableTask.containerDefinitions))[0].image).toBe('222222222222.dkr.ecr.us-east-1.amazonaws.com/user-api:v2.4.1');
    // A tester reaches the canary on the route with the header, whatever the weights.
    const route = rendered.resources.find((resource) => resource.name === 'route-canary')!.inputs;
    expect(route.conditions).toContainEqual({ httpHeader: { httpHeaderName: 'X-Deployer-Canary', values: ['*'] } });
    expect(route.priority).not.toBe(rendered.resources.find((resource) => resource.name === 'route')!.inputs.priority);
    expect(rendered.outputs.canaryTaskDefinitionArn).toBeDefined();
    expect(rendered.outputs.taskDefinitionArn).not.toBe(rendered.outputs.canaryTaskDefinitionArn);
    expect(readable(rendered.resources)).toMatchSnapshot();
  });

  test('a canary from another repository may pull both images', async () => {
    const rendered = await render(awsProgram(canaryStep(25, (d) => void ((d.spec as { image: string }).image = 'user-api-next:v1.3.0'))));
    const policy = JSON.parse(String(rendered.resources.find((resource) => resource.name === 'execution-policy')!.inputs.policy));
    expect(policy.Statement).toContainEqual(expect.objectContaining({ Sid: 'EcrPull', Resource: ['arn:aws:ecr:us-east-1:222222222222:repository/user-api', 'arn:aws:ecr:us-east-1:222222222222:repository/user-api-next'] }));
  });

  test('without ingress there is nothing to split: the program refuses before creating anything', async () => {
    const deployment = canaryStep(5);
    delete (deployment.canary!.stable.spec as { ingress?: unknown }).ingress;
    await expect(render(awsProgram(deployment))).rejects.toThrow(/user-service\/api has no ingress: on aws a canary takes its share of the load balancer's requests/);
  });
});
