// The SDK warns once per process that later releases will need Node 22; the tests run on Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { CreateReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDBInstanceCommand, RDSClient, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { componentCheck } from '../../src/drift/report';
import { AwsObserver } from '../../src/targets/aws/awsObserver';
import { SESSION_MANAGER_INSTALL_URL } from '../../src/targets/aws/ecsExec';
import { awsNames } from '../../src/targets/aws/names';
import type { ComponentRef } from '../../src/model/componentRef';
import type { LogLine } from '../../src/targets/observer';
import { workerPorts } from '../../worker/ports';
import { runCli } from '../support/cli';
import { freePort } from '../../src/tcpPorts';
import { MotoServer, startMotoServer } from '../support/motoServer';
import { testWorker } from '../support/temporal';
import { targetFor } from '../../src/targets/targetFor';
import { AwsObserverError } from '../../src/errors';

// The aws observer against a real AWS API emulator (moto server) on loopback: the resources are
// created under the names the aws programs give them (names.ts), then read back through the
// observer only. moto starts every ECS service with 2 running tasks (MOTO_ECS_SERVICE_RUNNING), so
// a service that wants 2 has finished its rollout and one that wants 3 has not.
describe('aws observer (moto)', () => {
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const base = { stack: 'user-platform', environment: 'staging', service: 'notification-service' };
  const api: ComponentRef = { ...base, component: 'api' };
  const worker: ComponentRef = { ...base, component: 'worker' };
  const database: ComponentRef = { ...base, component: 'database' };
  const cache: ComponentRef = { ...base, component: 'cache' };
  const queue: ComponentRef = { ...base, component: 'queue' };
  const absent: ComponentRef = { ...base, component: 'absent' };
  const image = 'registry.example.com/notification-api:v1.3.0';

  let moto: MotoServer;
  let observer: AwsObserver;
  let clients: { logs: CloudWatchLogsClient; cloudWatch: CloudWatchClient; ec2: EC2Client; ecs: ECSClient; elb: ElasticLoadBalancingV2Client; rds: RDSClient; elastiCache: ElastiCacheClient; sqs: SQSClient };
  let clusterArn: string;
  let targetGroupArn: string;
  let otherTargetGroupArn: string;
  let listenerArn: string;
  let loadBalancerArn: string;
  let albDnsName: string;
  let apiTasks: string[];
  let network: { vpcId: string; subnets: string[]; securityGroup: string };

  /** An ECS service as the MicroService program creates one: its Fargate task definition, and the service behind a target group when given. */
  async function fargateService(service: { family: string; container: string; image: string; desiredCount: number; targetGroupArn?: string; enableExecuteCommand?: boolean }): Promise<void> {
    const taskDefinition = (
      await clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: service.family,
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '512',
          memory: '1024',
          containerDefinitions: [{ name: service.container, image: service.image, memory: 1024, portMappings: [{ containerPort: 8080 }] }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster: clusterArn,
        serviceName: service.family,
        taskDefinition,
        desiredCount: service.desiredCount,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: [network.securityGroup] } },
        ...(service.targetGroupArn ? { loadBalancers: [{ targetGroupArn: service.targetGroupArn, containerName: service.container, containerPort: 8080 }] } : {}),
        enableExecuteCommand: service.enableExecuteCommand,
      }),
    );
  }

  beforeAll(async () => {
    moto = await startMotoServer({ MOTO_ECS_SERVICE_RUNNING: '2' });
    // moto moves a task one step towards STOPPED each time it is described; these stay RUNNING.
    const transition = await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, { method: 'POST', body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }) });
    expect(transition.ok).toBe(true);
    const config = { region, endpoint: moto.endpoint, credentials };
    clients = {
      logs: new CloudWatchLogsClient(config),
      cloudWatch: new CloudWatchClient(config),
      ec2: new EC2Client(config),
      ecs: new ECSClient(config),
      elb: new ElasticLoadBalancingV2Client(config),
      rds: new RDSClient(config),
      elastiCache: new ElastiCacheClient(config),
      sqs: new SQSClient(config),
    };

    // The platform: a VPC with two subnets, the tasks' security group, the shared ALB and its listener.
    const vpcId = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const subnets = await Promise.all(
      ['a', 'b'].map(async (zone, index) => (await clients.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${index + 1}.0/24`, AvailabilityZone: `${region}${zone}` }))).Subnet!.SubnetId!),
    );
    const securityGroup = (await clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'tasks', Description: 'tasks', VpcId: vpcId }))).GroupId!;
    network = { vpcId, subnets, securityGroup };
    const alb = (await clients.elb.send(new CreateLoadBalancerCommand({ Name: 'shared', Subnets: subnets, SecurityGroups: [securityGroup] }))).LoadBalancers![0]!;
    loadBalancerArn = alb.LoadBalancerArn!;
    albDnsName = alb.DNSName!;
    listenerArn = (await clients.elb.send(new CreateListenerCommand({ LoadBalancerArn: loadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }))).Listeners![0]!.ListenerArn!;
    clusterArn = (await clients.ecs.send(new CreateClusterCommand({ clusterName: 'platform' }))).cluster!.clusterArn!;

    // The api: what the MicroService program creates (target group, listener rule, task definition, service).
    targetGroupArn = (await clients.elb.send(new CreateTargetGroupCommand({ Name: 'target-group-a1b2c3d', Protocol: 'HTTP', Port: 8080, VpcId: vpcId, TargetType: 'ip', HealthCheckPath: '/health' }))).TargetGroups![0]!.TargetGroupArn!;
    otherTargetGroupArn = (await clients.elb.send(new CreateTargetGroupCommand({ Name: 'another-service', Protocol: 'HTTP', Port: 8080, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups![0]!.TargetGroupArn!;
    await clients.elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/notifications', '/notifications/*'] } },
          { Field: 'host-header', HostHeaderConfig: { Values: ['api.staging.example.com'] } },
        ],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    for (const ref of [api, worker]) {
      await fargateService({
        family: awsNames.ecsService(ref),
        container: awsNames.container(ref),
        image,
        desiredCount: ref === api ? 2 : 3,
        targetGroupArn: ref === api ? targetGroupArn : undefined,
        enableExecuteCommand: true,
      });
    }
    // moto starts no tasks for a service, and cannot give a Fargate task its network interface:
    // the api's tasks are run by hand in the service's group, from a definition without awsvpc.
    const fixture = (await clients.ecs.send(new RegisterTaskDefinitionCommand({ family: 'api-tasks', networkMode: 'bridge', containerDefinitions: [{ name: 'api', image, memory: 1024 }] }))).taskDefinition!.taskDefinitionArn!;
    const run = await clients.ecs.send(new RunTaskCommand({ cluster: clusterArn, taskDefinition: fixture, count: 2, launchType: 'FARGATE', group: `service:${awsNames.ecsService(api)}` }));
    apiTasks = run.tasks!.map((task) => task.taskArn!.split('/').pop()!);
    // A task of another service in the same cluster: never one of the api's replicas.
    await clients.ecs.send(new RunTaskCommand({ cluster: clusterArn, taskDefinition: fixture, count: 1, launchType: 'FARGATE', group: 'service:another-service' }));

    // The data components, as their programs name them.
    await clients.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: awsNames.dbInstance(database), DBInstanceClass: 'db.t3.micro', Engine: 'postgres', EngineVersion: '15.4', DBName: 'notifications', MasterUsername: 'app', MasterUserPassword: 'not-a-real-secret-1', AllocatedStorage: 20 }));
    await clients.elastiCache.send(new CreateReplicationGroupCommand({ ReplicationGroupId: awsNames.replicationGroup(cache), ReplicationGroupDescription: 'cache', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
    await clients.sqs.send(new CreateQueueCommand({ QueueName: awsNames.queue(queue, false), Attributes: { VisibilityTimeout: '45' } }));

    observer = new AwsObserver({ region, endpoint: moto.endpoint, credentials, platform: { clusterArn, albListenerArn: listenerArn, albDnsName }, followPollMs: 300 });
  });

  afterAll(async () => {
    observer?.close();
    for (const client of Object.values(clients ?? {})) client.destroy();
    await moto?.stop();
  });

  describe('logs', () => {
    const group = awsNames.logGroup(api);
    const now = Date.now();
    const lines: [number, string, string][] = [
      [now - 2 * 86_400_000, 'task-a', 'INFO started two days ago'],
      [now - 50_000, 'task-a', 'INFO email sent to ana@example.com'],
      [now - 40_000, 'task-b', 'ERROR health check failing: database unreachable'],
      [now - 30_000, 'task-a', 'ERROR email not sent: health check failing'],
      [now - 20_000, 'task-b', 'WARN Email queue slow'],
      [now - 10_000, 'task-a', 'error lowercase only'],
    ];
    const stream = (task: string) => `${awsNames.logStreamPrefix}/${awsNames.container(api)}/${task}`;
    const messages = (found: LogLine[]) => found.map((line) => line.message);

    beforeAll(async () => {
      await clients.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      for (const task of ['task-a', 'task-b']) {
        await clients.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream(task) }));
        const events = lines.filter(([, source]) => source === task).map(([timestamp, , message]) => ({ timestamp, message }));
        await clients.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream(task), logEvents: events }));
      }
    });

    it('reads every line of the log group oldest first, with the task as source', async () => {
      const found = await observer.logs(api, {});
      expect(messages(found)).toEqual(lines.map(([, , message]) => message));
      expect(found.map((line) => line.source)).toEqual(lines.map(([, source]) => source));
      expect(found[1]).toEqual({ at: new Date(lines[1]![0]).toISOString(), source: 'task-a', stream: 'stdout', message: 'INFO email sent to ana@example.com' });
    });

    it('filters with CloudWatch filter patterns (every term, case-sensitive; a quoted phrase whole)', async () => {
      expect(messages(await observer.logs(api, { filter: 'ERROR' }))).toEqual(['ERROR health check failing: database unreachable', 'ERROR email not sent: health check failing']);
      expect(messages(await observer.logs(api, { filter: 'ERROR email' }))).toEqual(['ERROR email not sent: health check failing']);
      expect(messages(await observer.logs(api, { filter: '"email sent"' }))).toEqual(['INFO email sent to ana@example.com']);
      expect(messages(await observer.logs(api, { filter: 'error' }))).toEqual(['error lowercase only']);
    });

    it('searches case-insensitively, combined with filter and since', async () => {
      expect(messages(await observer.logs(api, { search: 'EMAIL' }))).toEqual(['INFO email sent to ana@example.com', 'ERROR email not sent: health check failing', 'WARN Email queue slow']);
      expect(messages(await observer.logs(api, { filter: 'ERROR', search: 'EMAIL' }))).toEqual(['ERROR email not sent: health check failing']);
      expect(messages(await observer.logs(api, { search: 'email', since: new Date(now - 35_000).toISOString() }))).toEqual(['ERROR email not sent: health check failing', 'WARN Email queue slow']);
    });

    it('gives the newest lines under a limit, reaching back past the recent windows when it must', async () => {
      expect(messages(await observer.logs(api, { limit: 2 }))).toEqual(['WARN Email queue slow', 'error lowercase only']);
      expect(messages(await observer.logs(api, { limit: 100 }))[0]).toBe('INFO started two days ago');
      expect(messages(await observer.logs(api, { since: new Date(now - 45_000).toISOString(), limit: 1 }))).toEqual(['error lowercase only']);
    });

    it('refuses a since that is not a timestamp', async () => {
      await expect(observer.logs(api, { since: 'yesterday' })).rejects.toThrow('"yesterday" is not a timestamp');
    });

    it('says when the component has no log group', async () => {
      await expect(observer.logs(database, {})).rejects.toMatchObject({ name: 'AwsObserverError', reason: 'not-found', message: expect.stringContaining(`log group ${awsNames.logGroup(database)} does not exist`) });
    });

    it('follows: the backlog, then a line put after it started, each once, until aborted', async () => {
      const received: LogLine[] = [];
      const controller = new AbortController();
      let backlogSeen!: () => void;
      const backlog = new Promise<void>((resolve) => (backlogSeen = resolve));
      let arrived!: () => void;
      const fresh = new Promise<void>((resolve) => (arrived = resolve));
      const following = observer.followLogs(
        api,
        { filter: 'ERROR', since: new Date(now - 60_000).toISOString() },
        (line) => {
          received.push(line);
          if (received.length === 2) backlogSeen();
          if (line.message.includes('after the follow started')) arrived();
        },
        controller.signal,
      );
      await backlog;
      await clients.logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: stream('task-b'),
          logEvents: [
            { timestamp: Date.now(), message: 'INFO not an error, filtered out' },
            { timestamp: Date.now(), message: 'ERROR put after the follow started' },
          ],
        }),
      );
      await fresh;
      // A few more polls read the same range again: nothing may be printed twice.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      controller.abort();
      await following;
      expect(messages(received)).toEqual(['ERROR health check failing: database unreachable', 'ERROR email not sent: health check failing', 'ERROR put after the follow started']);
      expect(received[2]!.source).toBe('task-b');
    });
  });

  describe('health, state and events of a MicroService', () => {
    it('is unhealthy while the ALB has no healthy target, healthy once both are registered', async () => {
      const before = await observer.health(api);
      expect(before).toMatchObject({ kind: 'MicroService', healthy: false, summary: '0/2 replicas healthy' });
      await clients.elb.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: '10.0.1.10', Port: 8080 }, { Id: '10.0.2.11', Port: 8080 }] }));
      const after = await observer.health(api);
      expect(after).toMatchObject({ kind: 'MicroService', healthy: true, summary: '2/2 replicas healthy' });
      // The replicas are the service's tasks (not the other service's), with the version they run.
      expect(after.replicas.map((replica) => replica.replica).sort()).toEqual([...apiTasks].sort());
      expect(after.replicas.every((replica) => replica.version === 'v1.3.0' && replica.port === 8080 && replica.restarts === 0)).toBe(true);
    });

    it('is unhealthy while a rollout has not brought up every desired task', async () => {
      expect(await observer.health(worker)).toMatchObject({ kind: 'MicroService', healthy: false, summary: '2/3 replicas healthy; rollout in progress; 2/3 tasks running' });
    });

    it('is healthy for a release only while ECS runs the task definition that release registered', async () => {
      const running = (await clients.ecs.send(new DescribeServicesCommand({ cluster: clusterArn, services: [awsNames.ecsService(api)] }))).services![0]!.taskDefinition!;
      expect(await observer.health(api, { taskDefinitionArn: running })).toMatchObject({ healthy: true, summary: '2/2 replicas healthy' });
      // A newer revision of the family that the service does not run: what ECS leaves after its
      // circuit breaker rolled a release back, every task healthy on the previous revision.
      const family = awsNames.ecsService(api);
      const released = (
        await clients.ecs.send(new RegisterTaskDefinitionCommand({ family, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '512', memory: '1024', containerDefinitions: [{ name: 'api', image: image.replace('v1.3.0', 'v1.4.0'), memory: 1024 }] }))
      ).taskDefinition!.taskDefinitionArn!;
      expect(await observer.health(api, { taskDefinitionArn: released })).toMatchObject({
        healthy: false,
        final: true,
        summary: `2/2 replicas healthy; ECS runs ${family}:1, not this release's ${family}:2 (the circuit breaker rolled it back, or another deployment replaced it)`,
      });
    });

    it('reports a service that does not exist as unhealthy, and as not deployed', async () => {
      expect(await observer.health(absent)).toEqual({ kind: 'MicroService', healthy: false, summary: `no ECS service ${awsNames.ecsService(absent)} in cluster platform`, replicas: [] });
      expect(await observer.state(absent)).toBeUndefined();
      await expect(observer.metrics(absent, new Date(Date.now() - 60_000))).rejects.toMatchObject({ reason: 'not-found' });
    });

    it('states version, replicas, resources and the url its listener rule routes', async () => {
      const state = await observer.state(api);
      expect(state).toEqual({
        kind: 'MicroService',
        actual: { image, replicas: 2, resources: { cpu: 512, memory: 1024 }, port: 8080 },
        outputs: { url: 'http://api.staging.example.com/notifications' },
        secretOutputs: [],
        status: { state: 'running', desiredReplicas: 2, healthyReplicas: 2, version: 'v1.3.0', url: 'http://api.staging.example.com/notifications' },
      });
      // Without a load balancer the url is the one the program publishes.
      expect((await observer.state(worker))?.status).toMatchObject({ state: 'updating', desiredReplicas: 3, url: `ecs://platform/${awsNames.ecsService(worker)}` });
      // Where the platform has a Service Connect namespace, the private address other services call.
      const connected = new AwsObserver({ region, endpoint: moto.endpoint, credentials, platform: { clusterArn, albListenerArn: listenerArn, albDnsName, serviceConnectNamespace: 'platform' } });
      try {
        expect((await connected.state(worker))?.status.url).toBe(`http://${awsNames.serviceConnect(worker)}:8080`);
        expect((await connected.state(api))?.status.url).toBe('http://api.staging.example.com/notifications');
      } finally {
        connected.close();
      }
    });

    it('lists the service deployment among its events', async () => {
      const events = await observer.events(api);
      expect(events).toEqual([{ at: expect.any(String), type: 'rollout', message: expect.stringMatching(new RegExp(`^deployment ecs-svc/\\d+ of ${awsNames.ecsService(api)}:1 started; now primary, completed$`)) }]);
      expect(Date.parse(events[0]!.at)).toBeGreaterThan(Date.now() - 600_000);
      expect(await observer.events(api, new Date(Date.now() + 60_000))).toEqual([]);
    });
  });

  describe('metrics of a MicroService', () => {
    const since = new Date(Date.now() - 10 * 60_000);

    beforeAll(async () => {
      const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
      const alb = (arn: string) => [
        { Name: 'TargetGroup', Value: arn.slice(arn.indexOf('targetgroup/')) },
        { Name: 'LoadBalancer', Value: loadBalancerArn.slice(loadBalancerArn.indexOf('app/')) },
      ];
      const ecs = [
        { Name: 'ClusterName', Value: 'platform' },
        { Name: 'ServiceName', Value: awsNames.ecsService(api) },
      ];
      const count = StandardUnit.Count;
      await clients.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricData: [
            { MetricName: 'RequestCount', Dimensions: alb(targetGroupArn), Value: 600, Unit: count, Timestamp: at(5) },
            { MetricName: 'RequestCount', Dimensions: alb(targetGroupArn), Value: 400, Unit: count, Timestamp: at(2) },
            { MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: alb(targetGroupArn), Value: 15, Unit: count, Timestamp: at(2) },
            { MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: alb(targetGroupArn), Value: 5, Unit: count, Timestamp: at(1) },
            { MetricName: 'TargetResponseTime', Dimensions: alb(targetGroupArn), Value: 0.12, Unit: StandardUnit.Seconds, Timestamp: at(4) },
            { MetricName: 'TargetResponseTime', Dimensions: alb(targetGroupArn), Value: 1.5, Unit: StandardUnit.Seconds, Timestamp: at(3) },
            // Another service's target group on the same ALB, and traffic before the window: neither counts.
            { MetricName: 'RequestCount', Dimensions: alb(otherTargetGroupArn), Value: 9000, Unit: count, Timestamp: at(2) },
            { MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: alb(otherTargetGroupArn), Value: 9000, Unit: count, Timestamp: at(2) },
            { MetricName: 'RequestCount', Dimensions: alb(targetGroupArn), Value: 7777, Unit: count, Timestamp: at(30) },
          ],
        }),
      );
      await clients.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ECS',
          MetricData: [
            { MetricName: 'CPUUtilization', Dimensions: ecs, Value: 30, Unit: StandardUnit.Percent, Timestamp: at(4) },
            { MetricName: 'CPUUtilization', Dimensions: ecs, Value: 60, Unit: StandardUnit.Percent, Timestamp: at(2) },
            { MetricName: 'MemoryUtilization', Dimensions: ecs, Value: 40, Unit: StandardUnit.Percent, Timestamp: at(4) },
            { MetricName: 'MemoryUtilization', Dimensions: ecs, Value: 50, Unit: StandardUnit.Percent, Timestamp: at(2) },
          ],
        }),
      );
    });

    it('reads requests, errors, latency and resources of its target group and service over the window', async () => {
      const metrics = await observer.metrics(api, since);
      expect(metrics.requests).toEqual({ total: 1000, success: 980, errors: 20, successRatePercent: 98, errorRatePercent: 2 });
      expect(metrics.resources).toEqual({ cpuPercent: { avg: 45, max: 60 }, memoryPercent: { avg: 45, max: 50 } });
      expect(metrics.replicas).toEqual({ current: 2, desired: 2, healthy: 2 });
      expect(metrics.latencyMs.max).toBe(1500);
      expect(metrics.since).toBe(since.toISOString());
    });

    it('still answers when the emulator cannot compute percentiles, saying latency is unavailable', async () => {
      // moto 5.2.5 fails (HTTP 500) on any percentile statistic: the counts come from their own request.
      const metrics = await observer.metrics(api, since);
      expect(metrics.latencyUnavailable).toMatch(/^response-time percentiles could not be read from CloudWatch: /);
      expect([metrics.latencyMs.p50, metrics.latencyMs.p95, metrics.latencyMs.p99]).toEqual([0, 0, 0]);
    });

    it('has no request or resource figures for a data component', async () => {
      const metrics = await observer.metrics(database, since);
      expect(metrics.requests.total).toBe(0);
      expect(metrics.replicas).toEqual({ current: 0, desired: 0, healthy: 0 });
    });
  });

  describe('a canary step beside the api', () => {
    const since = new Date(Date.now() - 10 * 60_000);
    let canaryTargetGroupArn: string;

    // What canaryRevision.ts adds: a second target group and ECS service, the route weighted between the two groups.
    beforeAll(async () => {
      canaryTargetGroupArn = (await clients.elb.send(new CreateTargetGroupCommand({ Name: 'target-group-canary-e4f5', Protocol: 'HTTP', Port: 8080, VpcId: network.vpcId, TargetType: 'ip', HealthCheckPath: '/health' }))).TargetGroups![0]!.TargetGroupArn!;
      await clients.elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 11,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/notifications', '/notifications/*'] } }, { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Deployer-Canary', Values: ['*'] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: canaryTargetGroupArn }],
        }),
      );
      const family = awsNames.canaryService(api);
      await fargateService({ family, container: 'api', image: image.replace('v1.3.0', 'v1.4.0'), desiredCount: 1, targetGroupArn: canaryTargetGroupArn });
      // As for the api's tasks: run by hand in the canary service's group (moto starts none).
      const fixture = (await clients.ecs.send(new RegisterTaskDefinitionCommand({ family: 'canary-tasks', networkMode: 'bridge', containerDefinitions: [{ name: 'api', image: image.replace('v1.3.0', 'v1.4.0'), memory: 1024 }] }))).taskDefinition!.taskDefinitionArn!;
      await clients.ecs.send(new RunTaskCommand({ cluster: clusterArn, taskDefinition: fixture, count: 1, launchType: 'FARGATE', group: `service:${family}` }));
      const alb = (arn: string) => [
        { Name: 'TargetGroup', Value: arn.slice(arn.indexOf('targetgroup/')) },
        { Name: 'LoadBalancer', Value: loadBalancerArn.slice(loadBalancerArn.indexOf('app/')) },
      ];
      const at = new Date(Date.now() - 60_000);
      await clients.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricData: [
            { MetricName: 'RequestCount', Dimensions: alb(canaryTargetGroupArn), Value: 50, Unit: StandardUnit.Count, Timestamp: at },
            { MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: alb(canaryTargetGroupArn), Value: 17, Unit: StandardUnit.Count, Timestamp: at },
            { MetricName: 'TargetResponseTime', Dimensions: alb(canaryTargetGroupArn), Value: 2.5, Unit: StandardUnit.Seconds, Timestamp: at },
          ],
        }),
      );
    });

    afterAll(async () => {
      await clients.ecs.send(new DeleteServiceCommand({ cluster: clusterArn, service: awsNames.canaryService(api), force: true }));
    });

    it('reads each revision from its own target group, side by side, and the whole as their sum', async () => {
      const metrics = await observer.metrics(api, since);
      expect(metrics.revisions?.stable.requests).toEqual({ total: 1000, success: 980, errors: 20, successRatePercent: 98, errorRatePercent: 2 });
      expect(metrics.revisions?.canary.requests).toEqual({ total: 50, success: 33, errors: 17, successRatePercent: 66, errorRatePercent: 34 });
      expect(metrics.revisions?.canary.latencyMs.max).toBe(2500);
      expect(metrics.revisions?.stable.latencyMs.max).toBe(1500);
      expect(metrics.requests).toMatchObject({ total: 1050, errors: 37 });
      expect(metrics.latencyMs.max).toBe(2500);
    });

    it('is healthy only while the canary\'s targets are too, its tasks among the replicas', async () => {
      const waiting = await observer.health(api);
      expect(waiting).toMatchObject({ healthy: false, summary: '2/2 replicas healthy; canary 0/1 replicas healthy' });
      await clients.elb.send(new RegisterTargetsCommand({ TargetGroupArn: canaryTargetGroupArn, Targets: [{ Id: '10.0.1.20', Port: 8080 }] }));
      const healthy = await observer.health(api);
      expect(healthy).toMatchObject({ healthy: true, summary: '2/2 replicas healthy; canary 1/1 replicas healthy' });
      expect(healthy.replicas.map((replica) => replica.version).sort()).toEqual(['v1.3.0', 'v1.3.0', 'v1.4.0']);
    });

    it('is the stable release alone again once the canary\'s service is gone', async () => {
      await clients.ecs.send(new DeleteServiceCommand({ cluster: clusterArn, service: awsNames.canaryService(api), force: true }));
      const metrics = await observer.metrics(api, since);
      expect(metrics.revisions).toBeUndefined();
      expect(metrics.requests.total).toBe(1000);
      expect(await observer.health(api)).toMatchObject({ healthy: true, summary: '2/2 replicas healthy' });
    });
  });

  describe('data components', () => {
    it('finds the kind of a component from what exists under its name, or takes it from the ref', async () => {
      expect((await observer.state(database))?.kind).toBe('RDS');
      expect((await observer.state({ ...cache, kind: 'ElastiCacheRedis' }))?.kind).toBe('ElastiCacheRedis');
      expect((await observer.state(queue))?.kind).toBe('SQS');
      // Health asks ECS first; a fresh observer (nothing remembered) then finds the cache where it is.
      const fresh = new AwsObserver({ region, endpoint: moto.endpoint, credentials, platform: { clusterArn } });
      try {
        expect(await fresh.health(cache)).toMatchObject({ kind: 'ElastiCacheRedis', healthy: true });
      } finally {
        fresh.close();
      }
    });

    it('reports an available RDS instance as healthy, with its endpoint and database', async () => {
      const health = await observer.health(database);
      expect(health).toMatchObject({ kind: 'RDS', healthy: true, replicas: [] });
      expect(health.summary).toMatch(new RegExp(`^RDS instance ${awsNames.dbInstance(database)} is available at \\S+:5432$`));
      expect(await observer.state(database)).toMatchObject({ actual: { engine: 'postgres', version: '15.4', database: 'notifications', username: 'app' }, outputs: { port: '5432', database: 'notifications', username: 'app_app', masterUsername: 'app' }, status: { state: 'running' } });
    });

    it('reports an available replication group as healthy', async () => {
      expect(await observer.health(cache)).toMatchObject({ kind: 'ElastiCacheRedis', healthy: true, summary: expect.stringContaining(`replication group ${awsNames.replicationGroup(cache)} is available`) });
      expect((await observer.state(cache))?.outputs).toMatchObject({ port: '6379' });
    });

    it('reports a queue whose attributes can be read as healthy', async () => {
      const health = await observer.health(queue);
      expect(health).toMatchObject({ kind: 'SQS', healthy: true });
      expect(health.summary).toMatch(new RegExp(`^queue \\S+/${awsNames.queue(queue, false)}: 0 waiting, 0 in flight$`));
      expect(await observer.state(queue)).toMatchObject({ kind: 'SQS', actual: { fifo: false, visibilityTimeoutSeconds: 45, deadLetterQueue: { enabled: false } }, status: { state: 'running' } });
    });

    it('has no events on aws', async () => {
      expect(await observer.events(queue)).toEqual([]);
    });

    it('reports an RDS instance stopped in the console as stopped, which a drift check turns into the status field', async () => {
      // An instance of its own: the others stay available for the tests that read them.
      const reports: ComponentRef = { ...base, component: 'reports' };
      await clients.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: awsNames.dbInstance(reports), DBInstanceClass: 'db.t3.micro', Engine: 'postgres', EngineVersion: '15.4', DBName: 'reports', MasterUsername: 'app', MasterUserPassword: 'not-a-real-secret-2', AllocatedStorage: 20 }));
      await clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: awsNames.dbInstance(reports) }));
      const status = (await observer.state(reports))?.status.state;
      expect(status).toBe('stopped');
      const spec = { engine: 'postgres', version: '15.4', instanceClass: 'db.t3.micro', storage: { allocatedGb: 20, type: 'gp3' }, multiAZ: false, backup: { retentionDays: 7 }, database: { name: 'reports', username: 'app' }, dependsOn: [] };
      const check = componentCheck({ id: 'notification-service/reports', service: 'notification-service', name: 'reports', kind: 'RDS', spec: spec as never, dependsOn: [], configs: [], specHash: 'h' }, [], { rules: targetFor({ target: 'aws' }).drift, status });
      expect(check.fields).toEqual([{ field: 'status', specPath: ['status'], desired: 'running', actual: 'stopped', severity: 'high', cause: 'Not running: stopped outside deployer, crashed, or not restarted' }]);
    });
  });

  describe('exec', () => {
    it('without the Session Manager plugin says how to install it, before asking AWS anything', async () => {
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-no-plugin-'));
      const previous = process.env.PATH;
      process.env.PATH = empty;
      // An observer whose endpoint nothing listens on: any request would fail differently.
      const unreachable = new AwsObserver({ region, endpoint: `http://127.0.0.1:${await freePort()}`, credentials, platform: { clusterArn } });
      try {
        for (const candidate of [observer, unreachable]) {
          const failure = await candidate.exec(api, { command: 'ls', stdio: 'pipe' }).catch((error: unknown) => error);
          expect(failure).toBeInstanceOf(AwsObserverError);
          expect((failure as AwsObserverError).reason).toBe('missing-tool');
          expect((failure as Error).message).toContain('AWS Session Manager plugin (session-manager-plugin)');
          expect((failure as Error).message).toContain(SESSION_MANAGER_INSTALL_URL);
        }
      } finally {
        process.env.PATH = previous;
        unreachable.close();
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe('the CLI on an aws environment', () => {
    let repo: string;
    let workerHome: string;
    let worker: Awaited<ReturnType<typeof testWorker>>;
    // `show` asks the worker for the last release (none here): a worker of this file's own, on its own task queue.
    const taskQueue = `aws-observer-${crypto.randomUUID()}`;
    // The SDK's own setting for where AWS is: the CLI is configured exactly as a user's shell would be.
    const awsEnv = () => ({ AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, DEPLOYER_TASK_QUEUE: taskQueue });

    beforeAll(async () => {
      workerHome = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-aws-worker-'));
      worker = await testWorker(taskQueue, workerPorts(workerHome));
      repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-aws-cli-'));
      fs.cpSync(path.resolve(__dirname, '../../examples/deployment-repo'), repo, { recursive: true });
      const staging = fs.readFileSync(path.join(repo, 'environments/aws/staging.yaml'), 'utf8');
      const platform = `  platform:\n    clusterArn: ${clusterArn}\n    albListenerArn: ${listenerArn}\n    albDnsName: ${albDnsName}\n`;
      fs.writeFileSync(path.join(repo, 'environments/staging.yaml'), staging.replace(/ {2}platform:\n( {4}.*\n)+/, platform));
    });

    afterAll(async () => {
      await worker.stop();
      for (const dir of [repo, workerHome]) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('deployer logs and show read CloudWatch and ECS through the same commands as on the local target', async () => {
      const target = ['--component', 'notification-service/api', '--environment', 'staging', '--repo', repo];
      const logs = await runCli(['logs', ...target, '--filter', 'ERROR', '--search', 'health check', '--since', '7d', '--json'], awsEnv());
      expect(logs).toMatchObject({ code: 0, stderr: '' });
      expect((JSON.parse(logs.stdout) as LogLine[]).map((line) => line.message)).toEqual(['ERROR health check failing: database unreachable', 'ERROR email not sent: health check failing']);

      const show = await runCli(['show', ...target, '--json'], awsEnv());
      expect(show.code).toBe(0);
      expect(JSON.parse(show.stdout)).toMatchObject({ kind: 'MicroService', status: { version: 'v1.3.0', desiredReplicas: 2 } });
    });

    it('says a component that does not exist on AWS is not deployed, with the apply to run', async () => {
      const show = await runCli(['show', '--component', 'user-service/api', '--environment', 'staging', '--repo', repo], awsEnv());
      expect(show.code).toBe(1);
      expect(show.stderr).toContain('user-service/api is not deployed to staging (stack user-platform)');
      expect(show.stderr).toContain('deployer apply');
    });
  });
});
