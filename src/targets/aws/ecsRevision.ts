import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { MicroServiceSpec } from '../../model/schema';
import { parseImage } from '../../model/specChecks';
import type { ComponentDeployment, ComponentDeploymentOf } from '../deployment';
import { awsNames } from './names';
import type { requirePlatform } from './platform';
import type { SecretReference } from './secretReferences';

// One revision of a MicroService on ECS: its task definition, its target group and its ECS service.
// A MicroService runs one; during a canary step, two (microService.ts, canaryRevision.ts).

// Configs reach /config through a shared task volume that a short-lived init container fills:
// Fargate has no host paths, and EFS would be one more thing to run for a few small files.
export const CONFIG_VOLUME = 'config';
const CONFIG_WRITER_IMAGE = 'public.ecr.aws/docker/library/busybox:1.36';
/** The container port's name, by which ECS Service Connect publishes it. */
const PORT_NAME = 'http';

/** The listener rule's match: the ingress path (and below), on its host when it names one. */
export function routeConditions(ingress: NonNullable<MicroServiceSpec['ingress']>): aws.types.input.lb.ListenerRuleCondition[] {
  return [{ pathPattern: { values: [ingress.path, `${ingress.path.replace(/\/$/, '')}/*`] } }, ...(ingress.host ? [{ hostHeader: { values: [ingress.host] } }] : [])];
}

/** What both revisions of a MicroService share: the platform, the roles, the security group and the log group. */
export interface SharedParts {
  platform: ReturnType<typeof requirePlatform<'clusterArn' | 'vpcId' | 'subnetIds' | 'securityGroupIds'>>;
  region: string;
  account: pulumi.Input<string>;
  executionRole: aws.iam.Role;
  taskRole: aws.iam.Role;
  securityGroup: aws.ec2.SecurityGroup;
  logGroupName: pulumi.Output<string>;
  options: { provider: aws.Provider };
}

/** One revision's task definition: the stable one under the service's name, the canary's with its suffix. */
export function taskDefinitionOf(revision: ComponentDeploymentOf<'MicroService'>, secrets: pulumi.Output<SecretReference[]>, shared: SharedParts, suffix: string): aws.ecs.TaskDefinition {
  const { spec, ref } = revision;
  const serviceConnect = revision.environment.platform.serviceConnectNamespace;
  return new aws.ecs.TaskDefinition(`task${suffix}`, {
    family: `${awsNames.ecsService(ref)}${suffix}`,
    cpu: String(spec.resources.cpu),
    memory: String(spec.resources.memory),
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
    executionRoleArn: shared.executionRole.arn,
    taskRoleArn: shared.taskRole.arn,
    volumes: revision.configs.length ? [{ name: CONFIG_VOLUME }] : [],
    containerDefinitions: pulumi.all([secrets, shared.account, shared.logGroupName]).apply(([references, accountId, logGroupName]) =>
      JSON.stringify(containerDefinitions({ deployment: revision, spec, container: awsNames.container(ref), image: imageOf(spec.image, shared.region, accountId), references, logGroupName, region: shared.region, published: Boolean(serviceConnect) })),
    ),
    tags: versionTags(revision),
  }, shared.options);
}

function versionTags(revision: ComponentDeploymentOf<'MicroService'>): Record<string, string> {
  return { 'deployer:version': parseImage(revision.spec.image)?.tag ?? 'latest' };
}

/** One revision's target group, checked with its own health check. */
export function targetGroupOf(revision: ComponentDeploymentOf<'MicroService'>, shared: SharedParts, suffix: string): aws.lb.TargetGroup {
  const { spec } = revision;
  // Named by Pulumi (a random suffix): a changed port replaces the group, and the new one must
  // exist beside the old until the service has moved. The observer finds it through the service.
  return new aws.lb.TargetGroup(`target-group${suffix}`, {
    port: spec.port,
    protocol: 'HTTP',
    targetType: 'ip',
    vpcId: shared.platform.vpcId,
    deregistrationDelay: 30,
    healthCheck: {
      path: spec.healthCheck.path,
      interval: spec.healthCheck.intervalSeconds,
      timeout: spec.healthCheck.timeoutSeconds,
      healthyThreshold: spec.healthCheck.healthyThreshold,
      unhealthyThreshold: spec.healthCheck.unhealthyThreshold,
      matcher: '200-399',
    },
  }, shared.options);
}

export interface ServiceParts {
  task: aws.ecs.TaskDefinition;
  targetGroup?: aws.lb.TargetGroup;
  shared: SharedParts;
  desiredCount: number;
  /** Whether other services reach it through Service Connect: the stable revision only, so private calls never reach a canary. */
  published: boolean;
  /** The canary's ECS service carries a suffix; the stable one is named after the component. */
  suffix?: string;
}

/** One revision's ECS service: the circuit breaker on, and `up` returning once its rollout is done. */
export function ecsServiceOf(revision: ComponentDeploymentOf<'MicroService'>, parts: ServiceParts, resourceOptions: pulumi.CustomResourceOptions): aws.ecs.Service {
  const { spec, ref } = revision;
  const { task, targetGroup, shared, suffix = '' } = parts;
  const container = awsNames.container(ref);
  const serviceConnect = revision.environment.platform.serviceConnectNamespace;
  return new aws.ecs.Service(`service${suffix}`, {
    name: suffix ? awsNames.canaryService(ref) : awsNames.ecsService(ref),
    cluster: shared.platform.clusterArn,
    taskDefinition: task.arn,
    desiredCount: parts.desiredCount,
    launchType: 'FARGATE',
    networkConfiguration: { subnets: shared.platform.subnetIds, securityGroups: [shared.securityGroup.id, ...shared.platform.securityGroupIds], assignPublicIp: false },
    loadBalancers: targetGroup ? [{ targetGroupArn: targetGroup.arn, containerName: container, containerPort: spec.port }] : [],
    healthCheckGracePeriodSeconds: targetGroup ? spec.healthCheck.gracePeriodSeconds : undefined,
    // A release that never gets healthy is rolled back by ECS too, even if deployer's worker is gone.
    deploymentCircuitBreaker: { enable: true, rollback: true },
    deploymentMinimumHealthyPercent: 100,
    deploymentMaximumPercent: 200,
    // Opt-in per environment (spec.ecsExec); takes effect for tasks started after the change.
    enableExecuteCommand: revision.environment.ecsExec.enabled,
    // Other services reach this one privately at http://<alias>:<port>, through the Envoy proxy ECS
    // adds to every task of the namespace; this task's calls to them go the same way (a canary only calls).
    serviceConnectConfiguration: serviceConnect
      ? {
          enabled: true,
          namespace: serviceConnect,
          ...(parts.published ? { services: [{ portName: PORT_NAME, discoveryName: awsNames.serviceConnect(ref), clientAlias: [{ port: spec.port, dnsName: awsNames.serviceConnect(ref) }] }] } : {}),
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': awsNames.logGroup(ref), 'awslogs-region': shared.region, 'awslogs-stream-prefix': 'service-connect' } },
        }
      : undefined,
    propagateTags: 'SERVICE',
    // `up` returns when the rollout is done, so the health gate checks the new tasks.
    waitForSteadyState: true,
    tags: versionTags(revision),
  }, { ...shared.options, ...resourceOptions });
}

/** A bare repository name means the environment account's ECR, where the build pushes it. */
export function imageOf(image: string, region: string, account: string): string {
  return parseImage(image)?.registry ? image : `${account}.dkr.ecr.${region}.amazonaws.com/${image}`;
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
