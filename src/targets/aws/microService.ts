import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { parseImage } from '../../model/specChecks';
import type { EnvironmentSpec } from '../../model/schema';
import type { ComponentDeploymentOf } from '../deployment';
import { CANARY_SUFFIX, canaryRevision, CANARY_WITHOUT_INGRESS } from './canaryRevision';
import type { AwsContext } from './context';
import { ecsServiceOf, imageOf, routeConditions, SharedParts, targetGroupOf, taskDefinitionOf } from './ecsRevision';
import { listenerRulePriority } from './listenerPriority';
import { awsNames } from './names';
import { clusterName, requirePlatform } from './platform';
import { SecretReference, secretReferences } from './secretReferences';
import { AwsTargetError } from '../../errors';

const LOG_RETENTION_DAYS = 30;
const DEFAULT_PORTS: Record<string, number> = { HTTPS: 443, HTTP: 80 };

/**
 * A MicroService on ECS Fargate: task definition, least-privilege roles, its own log group and
 * security group, an ECS service with the circuit breaker, behind the ALB's listener rule when it
 * has ingress (with its host's certificate on an HTTPS listener), published through ECS Service
 * Connect where the platform has a namespace, and target-tracking autoscaling.
 *
 * During a canary step the stable release keeps every resource it has, with the inputs its own
 * release gave them, so nothing it runs is touched; the canary is a second revision beside it (task
 * definition, ECS service, target group) and the listener rule splits requests between the two
 * target groups by weight (canaryRevision.ts).
 */
export async function microServiceProgram(deployment: ComponentDeploymentOf<'MicroService'>, context: AwsContext): Promise<Record<string, pulumi.Input<string>>> {
  const stable = deployment.canary?.stable.kind === 'MicroService' ? deployment.canary.stable : deployment;
  const canary = stable === deployment ? undefined : { deployment, weight: deployment.canary!.weight };
  const { spec, ref } = stable;
  const platform = requirePlatform(stable, ['clusterArn', 'vpcId', 'subnetIds', 'securityGroupIds', ...(spec.ingress ? (['albListenerArn', 'albDnsName'] as const) : [])]);
  if (canary && !spec.ingress) throw new AwsTargetError(CANARY_WITHOUT_INGRESS(ref));
  const { provider } = context;
  const options = { provider };
  // Read before anything is created: the url's scheme is what the listener serves, not what a file says.
  const listener = spec.ingress ? await listenerOf(stable, platform.albListenerArn!, provider) : undefined;
  const revisions = canary ? [stable, canary.deployment] : [stable];

  const { shared, secrets } = sharedParts(stable, revisions, platform, context);
  const stableTask = taskDefinitionOf(stable, secrets[0]!, shared, '');
  const targetGroup = spec.ingress ? targetGroupOf(stable, shared, '') : undefined;
  // HTTPS: the host's own certificate, validated through DNS in the platform's zone and added to the
  // listener (SNI), before the rule routes to the service.
  const certificate = spec.ingress?.host && listener?.protocol === 'HTTPS' ? hostCertificate(stable, spec.ingress.host, platform.albListenerArn!, options) : undefined;
  const canaryParts = canary && targetGroup ? canaryRevision({ ...canary, ingress: spec.ingress!, stableReplicas: spec.scaling.replicas, task: taskDefinitionOf(canary.deployment, secrets[1]!, shared, CANARY_SUFFIX), targetGroup: targetGroupOf(canary.deployment, shared, CANARY_SUFFIX), shared, dependsOn: certificate ? [certificate] : [] }) : undefined;
  const listenerRule = spec.ingress && targetGroup
    ? new aws.lb.ListenerRule('route', {
        listenerArn: platform.albListenerArn!,
        // By specificity, from the route alone: stable whatever else the listener holds (listenerPriority.ts).
        priority: listenerRulePriority(spec.ingress),
        conditions: routeConditions(spec.ingress),
        actions: [canaryParts ? canaryParts.weightedForward(targetGroup) : { type: 'forward', targetGroupArn: targetGroup.arn }],
      }, { ...options, dependsOn: [...(certificate ? [certificate] : []), ...(canaryParts ? [canaryParts.service] : [])] })
    : undefined;
  if (spec.ingress?.host && stable.environment.platform.hostedZoneId) {
    new aws.route53.Record('dns', { zoneId: stable.environment.platform.hostedZoneId, name: spec.ingress.host, type: 'CNAME', ttl: 60, records: [platform.albDnsName!] }, options);
  }

  const autoscaling = spec.scaling.autoscaling;
  const service = ecsServiceOf(stable, { task: stableTask, targetGroup, shared, desiredCount: spec.scaling.replicas, published: true }, { dependsOn: listenerRule ? [listenerRule] : [], ignoreChanges: autoscaling ? ['desiredCount'] : [] });

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
    url: serviceUrl(stable, platform, listener) ?? pulumi.interpolate`ecs://${clusterName(platform.clusterArn)}/${service.name}`,
    // The health gate's proof that ECS runs this release and did not roll back to the previous one.
    taskDefinitionArn: stableTask.arn,
    ...(canaryParts ? { canaryTaskDefinitionArn: canaryParts.task.arn } : {}),
    // A MicroService that depends on this one admits its own tasks here, on this port (as for databases).
    securityGroupId: shared.securityGroup.id,
    port: String(spec.port),
  };
}

/**
 * What a MicroService's revisions share: its log group, the roles its tasks start and run as (with
 * least-privilege policies covering every revision's images, secrets and queues), and the security
 * group its tasks run in, admitted by the data components they depend on. Each revision's secret
 * references come with them, in the order of `revisions`.
 */
function sharedParts(
  stable: ComponentDeploymentOf<'MicroService'>,
  revisions: ComponentDeploymentOf<'MicroService'>[],
  platform: SharedParts['platform'],
  context: AwsContext,
): { shared: SharedParts; secrets: pulumi.Output<SecretReference[]>[] } {
  const { ref } = stable;
  const { provider, region, account } = context;
  const options = { provider };
  const logGroup = new aws.cloudwatch.LogGroup('logs', { name: awsNames.logGroup(ref), retentionInDays: LOG_RETENTION_DAYS, kmsKeyId: stable.environment.platform.kmsKeyArn }, options);

  const secretsOf = (revision: ComponentDeploymentOf<'MicroService'>) => {
    const referencesIn = secretReferences(revision, region);
    checkConfigMounts(revision);
    return pulumi.output(account).apply(referencesIn);
  };
  const secrets = revisions.map(secretsOf);
  const executionRole = new aws.iam.Role('execution-role', { name: awsNames.role(ref, 'exec'), assumeRolePolicy: assumedByEcsTasks(), description: `Starts ${ref.service}/${ref.component} tasks: pulls the image, writes logs, reads its secrets` }, options);
  new aws.iam.RolePolicy('execution-policy', {
    role: executionRole.id,
    policy: pulumi.all([logGroup.arn, pulumi.all(secrets), account]).apply(([logGroupArn, references, accountId]) =>
      executionPolicy({ images: revisions.map((revision) => revision.spec.image), region, account: accountId, logGroupArn, references: references.flat(), kmsKeyArn: stable.environment.platform.kmsKeyArn }),
    ),
  }, options);

  const taskRole = new aws.iam.Role('task-role', { name: awsNames.role(ref, 'task'), assumeRolePolicy: assumedByEcsTasks(), description: `The identity of ${ref.service}/${ref.component}'s code` }, options);
  // IAM refuses a policy without statements: a task that needs no AWS access gets none.
  if (stable.environment.ecsExec.enabled || queueArnsOf(revisions).length) {
    new aws.iam.RolePolicy('task-policy', { role: taskRole.id, policy: logGroup.arn.apply((logGroupArn) => JSON.stringify(taskPolicy(stable.environment, queueArnsOf(revisions), logGroupArn))) }, options);
  }

  // A prefix, not a name: a changed description or VPC replaces the group, and the new one is
  // created before the old one is deleted.
  const name = awsNames.ecsService(ref);
  const securityGroup = new aws.ec2.SecurityGroup('tasks', {
    namePrefix: `${name}-tasks-`,
    description: `Tasks of ${ref.service}/${ref.component}; data components it depends on admit this group`,
    vpcId: platform.vpcId,
    egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'], description: 'AWS APIs, images, dependencies' }],
  }, options);
  // Both revisions' dependencies: a canary may reach one the stable release does not.
  const dependencyOutputs = Object.assign({}, ...revisions.map((revision) => revision.dependencyOutputs ?? {})) as Record<string, Record<string, string>>;
  for (const [dependency, outputs] of Object.entries(dependencyOutputs)) {
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

  return { shared: { platform, region, account, executionRole, taskRole, securityGroup, logGroupName: logGroup.name, options }, secrets };
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

interface ExecutionPolicyInput {
  /** The images its tasks run: one, or during a canary step the stable's and the canary's. */
  images: string[];
  region: string;
  account: string;
  logGroupArn: string;
  references: { resource: string; store: 'secretsmanager' | 'ssm' }[];
  kmsKeyArn?: string;
}

/** Exactly what starting a task needs: its image(s), its log group, its secrets. */
export function executionPolicy(input: ExecutionPolicyInput): string {
  const { images, region, account, logGroupArn, references, kmsKeyArn } = input;
  const repositories = [
    ...new Set(
      images.flatMap((image) => {
        const parsed = parseImage(imageOf(image, region, account))!;
        const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(parsed.registry ?? '');
        return ecr ? [`arn:aws:ecr:${ecr[2]}:${ecr[1]}:repository/${parsed.repository}`] : [];
      }),
    ),
  ];
  const statements: object[] = [{ Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:*` }];
  if (repositories.length) {
    statements.push(
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      // One repository is written as a string, as before canaries: a stable release's policy does not change.
      { Sid: 'EcrPull', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], Resource: repositories.length === 1 ? repositories[0] : repositories },
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
function taskPolicy(environment: EnvironmentSpec, queueArns: string[], logGroupArn: string): object {
  const statements: object[] = environment.ecsExec.enabled ? ecsExecStatements(logGroupArn) : [];
  if (queueArns.length) {
    statements.push({ Sid: 'Queues', Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: queueArns });
    // The queues are encrypted with the platform key when there is one (sqs.ts): sending needs a data key, receiving needs to decrypt.
    const { kmsKeyArn } = environment.platform;
    if (kmsKeyArn) statements.push({ Sid: 'QueueEncryption', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: kmsKeyArn });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The queues the revisions depend on (a canary may use one the stable release does not). */
function queueArnsOf(revisions: ComponentDeploymentOf<'MicroService'>[]): string[] {
  return [...new Set(revisions.flatMap((revision) => Object.values(revision.dependencyOutputs ?? {}).flatMap((outputs) => (outputs.arn?.startsWith('arn:aws:sqs:') ? [outputs.arn] : []))))];
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
