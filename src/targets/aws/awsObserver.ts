import { ComponentRef, runtimeKey } from '../../model/componentRef';
import type { ComponentKind, EnvironmentSpec } from '../../model/schema';
import { requestFigures } from '../local/api';
import type { ComponentHealth, ComponentMetrics, ComponentState, ExecOptions, ExecResult, LogLine, LogQuery, Observer, ReleaseIdentity, RuntimeEvent } from '../observer';
import { AwsClients, AwsConnection } from './awsClients';
import { ComponentLogs, FOLLOW_POLL_MS } from './cloudWatchLogs';
import { bothRevisions, loadBalancerDimension, MetricsSource, readMetrics, targetGroupDimension } from './cloudWatchMetrics';
import { describeDbInstance, describeQueue, describeReplicationGroup, queueHealth, queueState, rdsHealth, rdsState, redisHealth, redisState, redisVersion } from './dataComponents';
import { serviceEvents } from './ecsEvents';
import { execInTask, sessionManagerPlugin } from './ecsExec';
import { healthyReplicas, microServiceHealth, MicroServiceSnapshot, replicaState, withCanary } from './ecsHealth';
import { describeListener, describeService, describeTargets, describeTaskDefinition, loadBalancersOf, serviceTasks, targetGroupArns } from './ecsService';
import { ingressUrl, microServiceState, serviceConnectUrl, serviceUrl } from './ecsState';
import { awsNames } from './names';
import { clusterName } from './platform';
import { AwsObserverError } from '../../errors';

export interface AwsObserverOptions extends AwsConnection {
  platform: EnvironmentSpec['platform'];
  /** How often `followLogs` asks CloudWatch for new lines. */
  followPollMs?: number;
}

/**
 * The Observer of the aws target: CloudWatch Logs and metrics, ECS, the ALB's target health, RDS,
 * ElastiCache and SQS, found by the names the aws programs give what they create (names.ts).
 * One per environment (its region and platform references).
 */
export class AwsObserver implements Observer {
  private readonly clients: AwsClients;
  // A component's kind never changes under its name while it exists: found once, kept.
  private readonly kinds = new Map<string, ComponentKind>();

  constructor(private readonly options: AwsObserverOptions) {
    this.clients = new AwsClients(options);
  }

  async state(ref: ComponentRef): Promise<ComponentState | undefined> {
    switch (await this.kindOf(ref)) {
      case 'MicroService':
        return this.microServiceState(ref);
      case 'RDS': {
        const instance = await describeDbInstance(this.clients.rds, ref);
        return instance && rdsState(instance);
      }
      case 'ElastiCacheRedis': {
        const group = await describeReplicationGroup(this.clients.elastiCache, ref);
        return group && redisState(group, await redisVersion(this.clients.elastiCache, group));
      }
      case 'SQS': {
        const queue = await describeQueue(this.clients.sqs, ref);
        return queue && queueState(queue);
      }
      default:
        return undefined;
    }
  }

  async logs(ref: ComponentRef, query: LogQuery): Promise<LogLine[]> {
    return (await this.componentLogs(ref).query(query)).map((event) => event.line);
  }

  followLogs(ref: ComponentRef, query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void> {
    return this.componentLogs(ref).follow(query, onLine, signal, this.options.followPollMs ?? FOLLOW_POLL_MS);
  }

  /**
   * A MicroService's requests, latency and resources; other kinds have none of these on aws, as
   * locally. While a canary runs beside it, each revision's figures from its own target group too.
   */
  async metrics(ref: ComponentRef, since: Date): Promise<ComponentMetrics> {
    const until = new Date();
    if ((await this.requireKind(ref)) !== 'MicroService') return idleMetrics(since, until);
    const [snapshot, canary] = await Promise.all([this.snapshot(ref, { tasks: false }), this.canarySnapshot(ref, { tasks: false })]);
    const { service } = snapshot;
    if (!service) throw new AwsObserverError(`no ECS service ${snapshot.serviceName} in cluster ${snapshot.clusterName}`, 'not-found');
    const stable = await this.serviceMetrics(snapshot, since, until);
    return canary ? bothRevisions(stable, await this.serviceMetrics(canary, since, until)) : stable;
  }

  /**
   * Without a known kind, the ECS service is asked first: the health gate only asks about
   * MicroServices, so it costs the gate nothing; a component found nowhere reads as a missing service.
   * A release's task definition makes a MicroService healthy only while ECS runs it.
   */
  async health(ref: ComponentRef, release?: ReleaseIdentity): Promise<ComponentHealth> {
    const releaseTaskDefinitionArn = release?.taskDefinitionArn;
    let kind = ref.kind ?? this.kinds.get(runtimeKey(ref));
    if (kind === undefined) {
      const snapshot = this.options.platform.clusterArn ? await this.snapshot(ref, { tasks: true }) : undefined;
      if (snapshot?.service) return this.microServiceHealth(ref, snapshot, releaseTaskDefinitionArn);
      kind = (await this.kindOf(ref)) ?? 'MicroService';
    }
    switch (kind) {
      case 'MicroService':
        return this.microServiceHealth(ref, await this.snapshot(ref, { tasks: true }), releaseTaskDefinitionArn);
      case 'RDS':
        return rdsHealth(await describeDbInstance(this.clients.rds, ref), ref);
      case 'ElastiCacheRedis':
        return redisHealth(await describeReplicationGroup(this.clients.elastiCache, ref), ref);
      case 'SQS':
        return queueHealth(await describeQueue(this.clients.sqs, ref), ref);
    }
  }

  /** ECS's service events and deployments; data components have no events deployer reads on aws. */
  async events(ref: ComponentRef, since?: Date): Promise<RuntimeEvent[]> {
    if ((await this.requireKind(ref)) !== 'MicroService') return [];
    const service = await describeService(this.clients.ecs, this.cluster(ref), awsNames.ecsService(ref));
    return service ? serviceEvents(service, since) : [];
  }

  /** ECS Exec in the named task, else the first running one; needs the Session Manager plugin, checked first. */
  async exec(ref: ComponentRef, options: ExecOptions): Promise<ExecResult> {
    const plugin = sessionManagerPlugin();
    const cluster = this.cluster(ref);
    const serviceName = awsNames.ecsService(ref);
    let taskId = options.replica;
    if (!taskId) {
      const snapshot = await this.snapshot(ref, { tasks: true });
      const running = snapshot.tasks.filter((task) => task.lastStatus === 'RUNNING');
      const serving = running.find((task) => replicaState(task, snapshot.targetGroups) === 'healthy') ?? running[0];
      taskId = serving?.taskArn?.split('/').pop();
      if (!taskId) throw new AwsObserverError(`ECS service ${serviceName} in cluster ${clusterName(cluster)} has no running task to exec in`, 'not-found');
    }
    const ecs = this.clients.ecs;
    const endpoint = this.options.endpoint ?? ecs.config.endpointProvider({ Region: this.options.region }).url.toString();
    return execInTask({ ecs, region: this.options.region, endpoint, cluster, clusterName: clusterName(cluster), taskId, container: awsNames.container(ref), plugin }, options);
  }

  /** Closes the SDK clients' connections. */
  close(): void {
    this.clients.destroy();
  }

  private componentLogs(ref: ComponentRef): ComponentLogs {
    return new ComponentLogs(this.clients.logs, ref);
  }

  private cluster(ref: ComponentRef): string {
    const { clusterArn } = this.options.platform;
    if (!clusterArn) {
      throw new AwsObserverError(`environments/${ref.environment}.yaml has no spec.platform.clusterArn, the ECS cluster its services run in; ask your platform team for it and add it`, 'platform');
    }
    return clusterArn;
  }

  private snapshot(ref: ComponentRef, include: { tasks: boolean }): Promise<MicroServiceSnapshot> {
    return this.serviceSnapshot(ref, awsNames.ecsService(ref), include);
  }

  /** The canary's ECS service while a canary step runs (canaryRevision.ts), else undefined. */
  private async canarySnapshot(ref: ComponentRef, include: { tasks: boolean }): Promise<MicroServiceSnapshot | undefined> {
    const snapshot = await this.serviceSnapshot(ref, awsNames.canaryService(ref), include);
    return snapshot.service ? snapshot : undefined;
  }

  private async serviceSnapshot(ref: ComponentRef, serviceName: string, include: { tasks: boolean }): Promise<MicroServiceSnapshot> {
    const cluster = this.cluster(ref);
    const service = await describeService(this.clients.ecs, cluster, serviceName);
    if (service) this.kinds.set(runtimeKey(ref), 'MicroService');
    const [targetGroups, tasks] = service
      ? await Promise.all([describeTargets(this.clients.elb, service), include.tasks ? serviceTasks(this.clients.ecs, cluster, serviceName) : []])
      : [[], []];
    return { serviceName, clusterName: clusterName(cluster), service, targetGroups, tasks, container: awsNames.container(ref) };
  }

  /** With a canary running beside it, healthy only while both are (the release's task definition is the stable service's). */
  private async microServiceHealth(ref: ComponentRef, snapshot: MicroServiceSnapshot, releaseTaskDefinitionArn: string | undefined): Promise<ComponentHealth> {
    const stable = microServiceHealth({ ...snapshot, releaseTaskDefinitionArn });
    const canary = snapshot.service ? await this.canarySnapshot(ref, { tasks: true }) : undefined;
    return canary ? withCanary(stable, microServiceHealth(canary)) : stable;
  }

  /** One ECS service's figures: its target groups' requests and latency, its own cpu and memory. */
  private async serviceMetrics(snapshot: MicroServiceSnapshot, since: Date, until: Date): Promise<ComponentMetrics> {
    const service = snapshot.service!;
    const source: MetricsSource = { clusterName: snapshot.clusterName, serviceName: snapshot.serviceName, targetGroups: await this.albDimensions(targetGroupArns(service)) };
    const replicas = { current: service.runningCount ?? 0, desired: service.desiredCount ?? 0, healthy: healthyReplicas(snapshot) };
    return readMetrics(this.clients.cloudWatch, source, replicas, since, until);
  }

  private async microServiceState(ref: ComponentRef): Promise<ComponentState | undefined> {
    const snapshot = await this.snapshot(ref, { tasks: false });
    const { service } = snapshot;
    if (!service) return undefined;
    const arns = targetGroupArns(service);
    const { albListenerArn, albDnsName } = this.options.platform;
    const [taskDefinition, listener] = await Promise.all([
      service.taskDefinition ? describeTaskDefinition(this.clients.ecs, service.taskDefinition) : undefined,
      arns.length && albListenerArn ? describeListener(this.clients.elb, albListenerArn) : undefined,
    ]);
    const privately = this.options.platform.serviceConnectNamespace ? serviceConnectUrl(awsNames.serviceConnect(ref), taskDefinition, snapshot.container) : undefined;
    const url = (listener && ingressUrl({ ...listener, targetGroupArns: arns, albDnsName })) ?? privately ?? serviceUrl(snapshot.clusterName, snapshot.serviceName);
    return microServiceState({ service, taskDefinition, container: snapshot.container, healthyReplicas: healthyReplicas(snapshot), url });
  }

  /** CloudWatch's ALB dimensions per target group: the ALB is the environment's listener's, else the one the group is attached to. */
  private async albDimensions(arns: string[]): Promise<MetricsSource['targetGroups']> {
    const fromListener = this.options.platform.albListenerArn ? loadBalancerDimension(this.options.platform.albListenerArn) : undefined;
    const pairs = await Promise.all(
      arns.map(async (arn) => {
        const targetGroup = targetGroupDimension(arn);
        const loadBalancer = fromListener ?? (await loadBalancersOf(this.clients.elb, arn)).map(loadBalancerDimension).find(Boolean);
        return targetGroup && loadBalancer ? [{ targetGroup, loadBalancer }] : [];
      }),
    );
    return pairs.flat();
  }

  /** The kind from the ref, else from what exists under the programs' names: the ECS service first, then the rest at once. */
  private async kindOf(ref: ComponentRef): Promise<ComponentKind | undefined> {
    const key = runtimeKey(ref);
    const known = ref.kind ?? this.kinds.get(key);
    if (known) return known;
    const found = await this.discover(ref);
    if (found) this.kinds.set(key, found);
    return found;
  }

  private async requireKind(ref: ComponentRef): Promise<ComponentKind> {
    const kind = await this.kindOf(ref);
    if (kind) return kind;
    throw new AwsObserverError(
      `${ref.service}/${ref.component} is not deployed to ${ref.environment}: there is no ECS service ${awsNames.ecsService(ref)}, RDS instance ${awsNames.dbInstance(ref)}, ElastiCache replication group ${awsNames.replicationGroup(ref)} or SQS queue ${awsNames.queue(ref, false)} by its name`,
      'not-found',
    );
  }

  private async discover(ref: ComponentRef): Promise<ComponentKind | undefined> {
    if (this.options.platform.clusterArn && (await describeService(this.clients.ecs, this.options.platform.clusterArn, awsNames.ecsService(ref)))) return 'MicroService';
    const [instance, group, queue] = await Promise.all([describeDbInstance(this.clients.rds, ref), describeReplicationGroup(this.clients.elastiCache, ref), describeQueue(this.clients.sqs, ref)]);
    if (instance) return 'RDS';
    if (group) return 'ElastiCacheRedis';
    if (queue) return 'SQS';
    return undefined;
  }
}

/** A component without requests or tasks of its own (a database, cache or queue), in the metrics' shape. */
function idleMetrics(since: Date, until: Date): ComponentMetrics {
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    requests: requestFigures(0, 0),
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    resources: { cpuPercent: { avg: 0, max: 0 }, memoryPercent: { avg: 0, max: 0 } },
    replicas: { current: 0, desired: 0, healthy: 0 },
  };
}
