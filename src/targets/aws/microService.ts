import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { MicroServiceSpec } from '../../model/schema';
import { parseImage } from '../../model/specChecks';
import type { ComponentDeployment, ComponentDeploymentOf } from '../deployment';
import type { AwsContext } from './context';
import { listenerRulePriority } from './listenerPriority';
import { awsNames } from './names';
import { clusterName, requirePlatform } from './platform';
import { secretReferences } from './secretReferences';
import { AwsTargetError } from '../../errors';

// Configs reach /config through a shared task volume that a short-lived init container fills:
// Fargate has no host paths, and EFS would be one more thing to run for a few small files.
const CONFIG_VOLUME = 'config';
const CONFIG_WRITER_IMAGE = 'public.ecr.aws/docker/library/busybox:1.36';
const LOG_RETENTION_DAYS = 30;
/** The container port's name, by which ECS Service Connect publishes it. */
const PORT_NAME = 'http';
const DEFAULT_PORTS: Record<string, number> = { HTTPS: 443, HTTP: 80 };

/**
 * A MicroService on ECS Fargate: task definition, least-privilege roles, its own log group and
 * security group, an ECS service with the circuit breaker, behind the ALB's listener rule when it
 * has ingress (with its host's certificate on an HTTPS listener), published through ECS Service
 * Connect where the platform has a namespace, and target-tracking autoscaling.
 */
export async function microServiceProgram(deployment: ComponentDeploymentOf<'MicroService'>, context: AwsContext): Promise<Record<string, pulumi.Input<string>>> {
  const { spec } = deployment;
  const { ref } = deployment;
  const platform = requirePlatform(deployment, ['clusterArn', 'vpcId', 'subnetIds', 'securityGroupIds', ...(spec.ingress ? (['albListenerArn', 'albDnsName'] as const) : [])]);
  const { provider, region, account } = context;
  const options = { provider };
  // Read before anything is created: the url's scheme is what the listener serves, not what a file says.
  const listener = spec.ingress ? await listenerOf(deployment, platform.albListenerArn!, provider) : undefined;
  const serviceConnect = deployment.environment.platform.serviceConnectNamespace;
  const name = awsNames.ecsService(ref);
  const container = awsNames.container(ref);
  const version = parseImage(spec.image)?.tag ?? 'latest';
  const tags = { 'deployer:version': version };

  const logGroup = new aws.cloudwatch.LogGroup('logs', { name: awsNames.logGroup(ref), retentionInDays: LOG_RETENTION_DAYS, kmsKeyId: deployment.environment.platform.kmsKeyArn }, options);

  const referencesIn = secretReferences(deployment, region);
  checkConfigMounts(deployment);
  const secrets = pulumi.output(account).apply(referencesIn);
  const executionRole = new aws.iam.Role('execution-role', { name: awsNames.role(ref, 'exec'), assumeRolePolicy: assumedByEcsTasks(), description: `Starts ${ref.service}/${ref.component} tasks: pulls the image, writes logs, reads its secrets` }, options);
  new aws.iam.RolePolicy('execution-policy', { role: executionRole.id, policy: pulumi.all([logGroup.arn, secrets, account]).apply(([logGroupArn, references, accountId]) => executionPolicy({ spec, region, account: accountId, logGroupArn, references, kmsKeyArn: deployment.environment.platform.kmsKeyArn })) }, options);

  const taskRole = new aws.iam.Role('task-role', { name: awsNames.role(ref, 'task'), assumeRolePolicy: assumedByEcsTasks(), description: `The identity of ${ref.service}/${ref.component}'s code` }, options);
  // IAM refuses a policy without statements: a task that needs no AWS access gets none.
  if (deployment.environment.ecsExec.enabled || queueArnsOf(deployment).length) {
    new aws.iam.RolePolicy('task-policy', { role: taskRole.id, policy: logGroup.arn.apply((logGroupArn) => JSON.stringify(taskPolicy(deployment, logGroupArn))) }, options);
  }

  // A prefix, not a name: a changed description or VPC replaces the group, and the new one is
  // created before the old one is deleted.
  const securityGroup = new aws.ec2.SecurityGroup('tasks', {
    namePrefix: `${name}-tasks-`,
    description: `Tasks of ${ref.service}/${ref.component}; data components it depends on admit this group`,
    vpcId: platform.vpcId,
    egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'], description: 'AWS APIs, images, dependencies' }],
  }, options);
  for (const [dependency, outputs] of Object.entries(deployment.dependencyOutputs ?? {})) {
    if (!outputs.securityGroupId || !outputs.port) continue;
    new aws.vpc.SecurityGroupIngressRule(`reach-${dependency.replace('/', '-')}`, {
      securityGroupId: outputs.securityGroupId,
      referencedSecurityGroupId: securityGroup.id,
      ipProtocol: 'tcp',
      fromPort: Number(outputs.port),
      toPort: Number(outputs.port),
      description: `${ref.service}/${ref.component} reaches ${dependency}`,
    }, options);
  }

  const taskDefinition = new aws.ecs.TaskDefinition('task', {
    family: name,
    cpu: String(spec.resources.cpu),
    memory: String(spec.resources.memory),
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
    executionRoleArn: executionRole.arn,
    taskRoleArn: taskRole.arn,
    volumes: deployment.configs.length ? [{ name: CONFIG_VOLUME }] : [],
    containerDefinitions: pulumi.all([secrets, account, logGroup.name]).apply(([references, accountId, logGroupName]) =>
      JSON.stringify(containerDefinitions({ deployment, spec, container, image: imageOf(spec.image, region, accountId), references, logGroupName, region, published: Boolean(serviceConnect) })),
    ),
    tags,
  }, options);

  const targetGroup = spec.ingress
    ? new aws.lb.TargetGroup('target-group', {
        // Named by Pulumi (a random suffix): a changed port replaces the group, and the new one must
        // exist beside the old until the service has moved. The observer finds it through the service.
        port: spec.port,
        protocol: 'HTTP',
        targetType: 'ip',
        vpcId: platform.vpcId,
        deregistrationDelay: 30,
        healthCheck: {
          path: spec.healthCheck.path,
          interval: spec.healthCheck.intervalSeconds,
          timeout: spec.healthCheck.timeoutSeconds,
          healthyThreshold: spec.healthCheck.healthyThreshold,
          unhealthyThreshold: spec.healthCheck.unhealthyThreshold,
          matcher: '200-399',
        },
      }, options)
    : undefined;
  // HTTPS: the host's own certificate, validated through DNS in the platform's zone and added to the
  // listener (SNI), before the rule routes to the service.
  const certificate = spec.ingress?.host && listener?.protocol === 'HTTPS' ? hostCertificate(deployment, spec.ingress.host, platform.albListenerArn!, options) : undefined;
  const listenerRule = spec.ingress && targetGroup
    ? new aws.lb.ListenerRule('route', {
        listenerArn: platform.albListenerArn!,
        // By specificity, from the route alone: stable whatever else the listener holds (listenerPriority.ts).
        priority: listenerRulePriority(spec.ingress),
        conditions: [
          { pathPattern: { values: [spec.ingress.path, `${spec.ingress.path.replace(/\/$/, '')}/*`] } },
          ...(spec.ingress.host ? [{ hostHeader: { values: [spec.ingress.host] } }] : []),
        ],
        actions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
      }, { ...options, dependsOn: certificate ? [certificate] : [] })
    : undefined;
  if (spec.ingress?.host && deployment.environment.platform.hostedZoneId) {
    new aws.route53.Record('dns', { zoneId: deployment.environment.platform.hostedZoneId, name: spec.ingress.host, type: 'CNAME', ttl: 60, records: [platform.albDnsName!] }, options);
  }

  const autoscaling = spec.scaling.autoscaling;
  const service = new aws.ecs.Service('service', {
    name,
    cluster: platform.clusterArn,
    taskDefinition: taskDefinition.arn,
    desiredCount: spec.scaling.replicas,
    launchType: 'FARGATE',
    networkConfiguration: { subnets: platform.subnetIds, securityGroups: [securityGroup.id, ...platform.securityGroupIds], assignPublicIp: false },
    loadBalancers: targetGroup ? [{ targetGroupArn: targetGroup.arn, containerName: container, containerPort: spec.port }] : [],
    healthCheckGracePeriodSeconds: targetGroup ? spec.healthCheck.gracePeriodSeconds : undefined,
    // A release that never gets healthy is rolled back by ECS too, even if deployer's worker is gone.
    deploymentCircuitBreaker: { enable: true, rollback: true },
    deploymentMinimumHealthyPercent: 100,
    deploymentMaximumPercent: 200,
    // Opt-in per environment (spec.ecsExec); takes effect for tasks started after the change.
    enableExecuteCommand: deployment.environment.ecsExec.enabled,
    // Other services reach this one privately at http://<alias>:<port>, through the Envoy proxy ECS
    // adds to every task of the namespace; this task's calls to them go the same way.
    serviceConnectConfiguration: serviceConnect
      ? {
          enabled: true,
          namespace: serviceConnect,
          services: [{ portName: PORT_NAME, discoveryName: awsNames.serviceConnect(ref), clientAlias: [{ port: spec.port, dnsName: awsNames.serviceConnect(ref) }] }],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': awsNames.logGroup(ref), 'awslogs-region': region, 'awslogs-stream-prefix': 'service-connect' } },
        }
      : undefined,
    propagateTags: 'SERVICE',
    // `up` returns when the rollout is done, so the health gate checks the new tasks.
    waitForSteadyState: true,
    tags,
  }, { ...options, dependsOn: listenerRule ? [listenerRule] : [], ignoreChanges: autoscaling ? ['desiredCount'] : [] });

  if (autoscaling) {
    const target = new aws.appautoscaling.Target('scaling', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: pulumi.interpolate`service/${clusterName(platform.clusterArn)}/${service.name}`,
      minCapacity: autoscaling.minReplicas,
      maxCapacity: autoscaling.maxReplicas,
    }, options);
    new aws.appautoscaling.Policy('cpu', {
      policyType: 'TargetTrackingScaling',
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: { predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' }, targetValue: autoscaling.targetCPU, scaleInCooldown: 300, scaleOutCooldown: 60 },
    }, options);
  }

  return {
    url: serviceUrl(deployment, platform, listener) ?? pulumi.interpolate`ecs://${clusterName(platform.clusterArn)}/${service.name}`,
    // The health gate's proof that ECS runs this release and did not roll back to the previous one.
    taskDefinitionArn: taskDefinition.arn,
    // A MicroService that depends on this one admits its own tasks here, on this port (as for databases).
    securityGroupId: securityGroup.id,
    port: String(spec.port),
  };
}

/**
 * Where others reach the service: with ingress, the listener's scheme and the host (else the load
 * balancer's name), with the port when it is not the scheme's own; without it, its Service Connect
 * alias where the platform has a namespace; undefined otherwise (the ECS service's name stands in).
 */
function serviceUrl(deployment: ComponentDeploymentOf<'MicroService'>, platform: { albDnsName?: string }, listener: Listener | undefined): string | undefined {
  const { spec } = deployment;
  if (spec.ingress && listener) {
    const scheme = listener.protocol.toLowerCase();
    const port = listener.port && listener.port !== DEFAULT_PORTS[listener.protocol] ? `:${listener.port}` : '';
    return `${scheme}://${spec.ingress.host ?? platform.albDnsName}${port}${spec.ingress.path}`;
  }
  if (deployment.environment.platform.serviceConnectNamespace) return `http://${awsNames.serviceConnect(deployment.ref)}:${spec.port}`;
  return undefined;
}

interface Listener {
  protocol: 'HTTPS' | 'HTTP';
  port?: number;
}

/** The platform's listener as AWS has it; it must serve what the environment says (albProtocol). */
async function listenerOf(deployment: ComponentDeploymentOf<'MicroService'>, arn: string, provider: aws.Provider): Promise<Listener> {
  const found = await aws.lb.getListener({ arn }, { provider });
  const declared = deployment.environment.platform.albProtocol ?? 'HTTPS';
  if (found.protocol !== 'HTTPS' && found.protocol !== 'HTTP') {
    throw new AwsTargetError(`the listener ${arn} serves ${found.protocol}; ingress needs an HTTPS or HTTP listener. Ask your platform team for the load balancer's HTTPS listener and set it as spec.platform.albListenerArn in environments/${deployment.ref.environment}.yaml.`);
  }
  if (found.protocol !== declared) {
    throw new AwsTargetError(
      `environments/${deployment.ref.environment}.yaml says the listener serves ${declared} (spec.platform.albProtocol${deployment.environment.platform.albProtocol ? '' : ', by default'}), but ${arn} serves ${found.protocol}. ` +
        `Set spec.platform.albProtocol: ${found.protocol}, or point albListenerArn at the ${declared} listener; nothing was created.`,
    );
  }
  return { protocol: found.protocol, port: found.port };
}

/** An ACM certificate for the ingress host, validated by a DNS record in the platform's zone, added to the listener. */
function hostCertificate(deployment: ComponentDeploymentOf<'MicroService'>, host: string, listenerArn: string, options: { provider: aws.Provider }): aws.lb.ListenerCertificate {
  const { hostedZoneId } = requirePlatform(deployment, ['hostedZoneId']);
  const certificate = new aws.acm.Certificate('certificate', { domainName: host, validationMethod: 'DNS' }, options);
  const validation = certificate.domainValidationOptions.apply((records) => records[0]!);
  const record = new aws.route53.Record('certificate-validation', {
    zoneId: hostedZoneId,
    name: validation.apply((entry) => entry.resourceRecordName!),
    type: validation.apply((entry) => entry.resourceRecordType!),
    records: [validation.apply((entry) => entry.resourceRecordValue!)],
    ttl: 60,
    allowOverwrite: true,
  }, options);
  const validated = new aws.acm.CertificateValidation('certificate', { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] }, options);
  return new aws.lb.ListenerCertificate('certificate', { listenerArn, certificateArn: validated.certificateArn }, options);
}

function assumedByEcsTasks(): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
}

/** A bare repository name means the environment account's ECR, where the build pushes it. */
function imageOf(image: string, region: string, account: string): string {
  return parseImage(image)?.registry ? image : `${account}.dkr.ecr.${region}.amazonaws.com/${image}`;
}

interface ExecutionPolicyInput {
  spec: MicroServiceSpec;
  region: string;
  account: string;
  logGroupArn: string;
  references: { resource: string; store: 'secretsmanager' | 'ssm' }[];
  kmsKeyArn?: string;
}

/** Exactly what starting a task needs: its image, its log group, its secrets. */
export function executionPolicy(input: ExecutionPolicyInput): string {
  const { spec, region, account, logGroupArn, references, kmsKeyArn } = input;
  const image = parseImage(imageOf(spec.image, region, account))!;
  const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(image.registry ?? '');
  const statements: object[] = [{ Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:*` }];
  if (ecr) {
    statements.push(
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Sid: 'EcrPull', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], Resource: `arn:aws:ecr:${ecr[2]}:${ecr[1]}:repository/${image.repository}` },
    );
  }
  const secretArns = [...new Set(references.filter((reference) => reference.store === 'secretsmanager').map((reference) => reference.resource))];
  const parameterArns = [...new Set(references.filter((reference) => reference.store === 'ssm').map((reference) => reference.resource))];
  if (secretArns.length) statements.push({ Sid: 'Secrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArns });
  if (parameterArns.length) statements.push({ Sid: 'Parameters', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: parameterArns });
  if (kmsKeyArn && references.length) statements.push({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: kmsKeyArn });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The code's own permissions: the queues it was given, and ECS Exec's channel where the environment turns exec on. */
function taskPolicy(deployment: ComponentDeploymentOf<'MicroService'>, logGroupArn: string): object {
  const queueArns = queueArnsOf(deployment);
  const statements: object[] = deployment.environment.ecsExec.enabled ? ecsExecStatements(logGroupArn) : [];
  if (queueArns.length) {
    statements.push({ Sid: 'Queues', Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: queueArns });
    // The queues are encrypted with the platform key when there is one (sqs.ts): sending needs a data key, receiving needs to decrypt.
    const { kmsKeyArn } = deployment.environment.platform;
    if (kmsKeyArn) statements.push({ Sid: 'QueueEncryption', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: kmsKeyArn });
  }
  return { Version: '2012-10-17', Statement: statements };
}

function queueArnsOf(deployment: ComponentDeploymentOf<'MicroService'>): string[] {
  return Object.values(deployment.dependencyOutputs ?? {}).flatMap((outputs) => (outputs.arn?.startsWith('arn:aws:sqs:') ? [outputs.arn] : []));
}

/**
 * ECS Exec's channel, and its session log: with the cluster's exec logging at DEFAULT (the
 * cluster's executeCommandConfiguration is the platform's), ECS writes each session's commands and
 * output through the task's awslogs settings, into the service's own log group, as the task role.
 */
function ecsExecStatements(logGroupArn: string): object[] {
  return [
    { Sid: 'EcsExec', Effect: 'Allow', Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'], Resource: '*' },
    { Sid: 'EcsExecSessionLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: `${logGroupArn}:*` },
    { Sid: 'EcsExecLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
  ];
}

/** The task's config volume is mounted at /config; a file meant elsewhere cannot get there. */
function checkConfigMounts(deployment: ComponentDeploymentOf<'MicroService'>): void {
  const outside = deployment.configs.find((config) => !config.mountPath.startsWith('/config/'));
  if (outside) {
    const { ref } = deployment;
    throw new AwsTargetError(`${ref.service}/${ref.component}: config ${outside.path} is mounted at ${outside.mountPath}; on aws configs live under /config. Set its mountPath under /config/ (the app finds the directory in CONFIG_DIR).`);
  }
}

interface ContainerInput {
  deployment: ComponentDeployment;
  spec: MicroServiceSpec;
  container: string;
  image: string;
  references: { name: string; valueFrom: string }[];
  logGroupName: string;
  region: string;
  /** Published through ECS Service Connect: its port needs a name. */
  published: boolean;
}

function containerDefinitions(input: ContainerInput): object[] {
  const { deployment, spec, container, image, references, logGroupName, region, published } = input;
  const logConfiguration = { logDriver: 'awslogs', options: { 'awslogs-group': logGroupName, 'awslogs-region': region, 'awslogs-stream-prefix': awsNames.logStreamPrefix } };
  const environment = spec.environment.flatMap((variable) => {
    if ('value' in variable) return [{ name: variable.name, value: variable.value }];
    const resolved = 'valueFrom' in variable ? deployment.resolved[variable.name] : undefined;
    return resolved && !resolved.secret ? [{ name: variable.name, value: resolved.value }] : [];
  });
  const configs = deployment.configs;
  const app = {
    name: container,
    image,
    essential: true,
    ...(spec.command ? { command: spec.command } : {}),
    portMappings: [{ containerPort: spec.port, protocol: 'tcp', ...(published ? { name: PORT_NAME, appProtocol: 'http' } : {}) }],
    environment: [...environment, { name: 'PORT', value: String(spec.port) }, ...(configs.length ? [{ name: 'CONFIG_DIR', value: '/config' }] : [])].sort((a, b) => a.name.localeCompare(b.name)),
    secrets: [...references].sort((a, b) => a.name.localeCompare(b.name)).map(({ name, valueFrom }) => ({ name, valueFrom })),
    logConfiguration,
    // Writable, exec or not: ECS Exec needs it, and apps write /tmp; a read-only root would need a
    // scratch volume the spec does not offer yet.
    readonlyRootFilesystem: false,
    ...(configs.length ? { mountPoints: [{ sourceVolume: CONFIG_VOLUME, containerPath: '/config', readOnly: true }], dependsOn: [{ containerName: 'config', condition: 'SUCCESS' }] } : {}),
  };
  if (!configs.length) return [app];
  // Each file travels base64-encoded in the writer's environment; configs are not secrets (those use secretFrom).
  const writer = {
    name: 'config',
    image: CONFIG_WRITER_IMAGE,
    essential: false,
    entryPoint: ['sh', '-c'],
    command: [configs.map((_, index) => `mkdir -p "$(dirname "/config/$CONFIG_PATH_${index}")" && echo "$CONFIG_${index}" | base64 -d > "/config/$CONFIG_PATH_${index}"`).join(' && ')],
    environment: configs.flatMap((config, index) => [
      { name: `CONFIG_PATH_${index}`, value: config.mountPath.slice('/config/'.length) },
      { name: `CONFIG_${index}`, value: Buffer.from(config.content).toString('base64') },
    ]),
    mountPoints: [{ sourceVolume: CONFIG_VOLUME, containerPath: '/config' }],
    logConfiguration,
  };
  return [app, writer];
}
