import type { Service, Task } from '@aws-sdk/client-ecs';
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseImage } from '../../model/specChecks';
import type { ComponentHealth, ReplicaHealth, ReplicaState } from '../local/api';
import { releaseProblem } from './ecsRelease';
import type { TargetGroupHealth } from './ecsService';

/** What a MicroService's health is judged from: its ECS service, the ALB's view of its targets, and its tasks. */
export interface MicroServiceSnapshot {
  serviceName: string;
  clusterName: string;
  /** Undefined when the cluster has no such service. */
  service?: Service;
  targetGroups: TargetGroupHealth[];
  tasks: Task[];
  /** The component's container in the task definition. */
  container: string;
  /** The task definition the release being gated registered; without it, only the service's own state counts. */
  releaseTaskDefinitionArn?: string;
}

// How many unhealthy targets a summary names; the rest are counted.
const NAMED_TARGETS = 3;

/** The version a container runs: its image's tag (or digest), as the programs tag releases. */
export function imageVersion(image: string | undefined): string {
  if (!image) return 'unknown';
  const parsed = parseImage(image);
  return parsed?.tag ?? parsed?.digest ?? image;
}

/** A Fargate task's private address: the id it is registered under in an `ip` target group. */
export function taskAddress(task: Task): string | undefined {
  const eni = task.attachments?.find((attachment) => attachment.type === 'ElasticNetworkInterface');
  return eni?.details?.find((detail) => detail.name === 'privateIPv4Address')?.value ?? task.containers?.flatMap((container) => container.networkInterfaces ?? [])[0]?.privateIpv4Address;
}

/**
 * Healthy targets, counted in the target group that has fewest (a replica serves only when every
 * group it belongs to routes to it); undefined for a service without a load balancer.
 */
export function healthyTargetCount(targetGroups: TargetGroupHealth[]): number | undefined {
  if (targetGroups.length === 0) return undefined;
  return Math.min(...targetGroups.map((group) => group.targets.filter((target) => target.TargetHealth?.State === 'healthy').length));
}

/** Healthy replicas: healthy targets behind a load balancer, else running tasks (ECS's own view). */
export function healthyReplicas(snapshot: Pick<MicroServiceSnapshot, 'service' | 'targetGroups'>): number {
  return healthyTargetCount(snapshot.targetGroups) ?? snapshot.service?.runningCount ?? 0;
}

const TARGET_STATE: Record<string, ReplicaState> = {
  healthy: 'healthy',
  unhealthy: 'unhealthy',
  initial: 'starting',
  draining: 'stopping',
  unhealthy_draining: 'stopping',
  // Not routed to: the target group is not attached to a listener, or its zone is disabled.
  unused: 'unhealthy',
  // Health checks are off, so the ALB routes to it.
  unavailable: 'healthy',
};

const STATE_RANK: Record<ReplicaState, number> = { healthy: 0, starting: 1, stopping: 2, unhealthy: 3, exited: 4 };

/** A task's state: its lifecycle first, then (while it runs) the ALB's verdict, the worst across its target groups. */
export function replicaState(task: Task, targetGroups: TargetGroupHealth[]): ReplicaState {
  const status = task.lastStatus ?? 'PROVISIONING';
  if (status === 'STOPPED' || status === 'DELETED') return 'exited';
  if (['DEACTIVATING', 'STOPPING', 'DEPROVISIONING'].includes(status) || task.desiredStatus === 'STOPPED') return 'stopping';
  if (status !== 'RUNNING') return 'starting';
  const address = taskAddress(task);
  if (targetGroups.length && address) {
    const states = targetGroups.map((group) => {
      const target = group.targets.find((candidate) => candidate.Target?.Id === address);
      // Running but not registered yet: ECS registers a task once its containers are up.
      return target ? (TARGET_STATE[target.TargetHealth?.State ?? ''] ?? 'unhealthy') : 'starting';
    });
    return states.reduce((worst, state) => (STATE_RANK[state] > STATE_RANK[worst] ? state : worst));
  }
  return task.healthStatus === 'UNHEALTHY' ? 'unhealthy' : 'healthy';
}

/** A task as a replica. ECS replaces a failed task rather than restarting it, so restarts are 0; the ALB keeps no check history. */
export function replicaOf(task: Task, snapshot: Pick<MicroServiceSnapshot, 'service' | 'targetGroups' | 'container'>): ReplicaHealth {
  const container = task.containers?.find((candidate) => candidate.name === snapshot.container);
  const port = snapshot.service?.loadBalancers?.find((balancer) => balancer.containerName === snapshot.container)?.containerPort ?? 0;
  const started = task.startedAt ?? task.createdAt;
  return {
    replica: task.taskArn?.split('/').pop() ?? 'unknown',
    version: imageVersion(container?.image),
    port,
    state: replicaState(task, snapshot.targetGroups),
    startedAt: started ? new Date(started).toISOString() : '',
    restarts: 0,
    checks: [],
  };
}

function describeTarget(target: TargetHealthDescription): string {
  const health = target.TargetHealth;
  return `${target.Target?.Id ?? 'target'} ${health?.State ?? 'unknown'}${health?.Reason ? ` (${health.Reason})` : ''}`;
}

/**
 * Healthy when the service is active, its newest deployment has finished rolling out, every desired
 * task runs and (behind a load balancer) as many targets as desired pass the ALB's health checks.
 * Given the release's task definition, the service must also run it (see releaseProblem), and a
 * service that does not is unhealthy for good. The summary starts like the local runtime's
 * (`2/2 replicas healthy`) and adds what is wrong.
 */
export function microServiceHealth(snapshot: MicroServiceSnapshot): ComponentHealth {
  const { service } = snapshot;
  if (!service) return { kind: 'MicroService', healthy: false, summary: `no ECS service ${snapshot.serviceName} in cluster ${snapshot.clusterName}`, replicas: [] };
  const desired = service.desiredCount ?? 0;
  const running = service.runningCount ?? 0;
  const healthy = healthyReplicas(snapshot);
  const problems: string[] = [];
  const notThisRelease = snapshot.releaseTaskDefinitionArn ? releaseProblem(service, snapshot.releaseTaskDefinitionArn) : undefined;
  if (notThisRelease) problems.push(notThisRelease);
  if (service.status !== 'ACTIVE') problems.push(`service is ${(service.status ?? 'unknown').toLowerCase()}`);
  const primary = service.deployments?.find((deployment) => deployment.status === 'PRIMARY');
  if (primary?.rolloutState === 'FAILED') problems.push(`rollout failed${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}`);
  if (primary?.rolloutState === 'IN_PROGRESS') problems.push('rollout in progress');
  if (running < desired) problems.push(`${running}/${desired} tasks running`);
  const failing = snapshot.targetGroups.flatMap((group) => group.targets.filter((target) => target.TargetHealth?.State !== 'healthy'));
  if (failing.length) {
    const more = failing.length - NAMED_TARGETS;
    problems.push(`targets ${failing.slice(0, NAMED_TARGETS).map(describeTarget).join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  const replicas = snapshot.tasks.map((task) => replicaOf(task, snapshot)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const ok = !notThisRelease && service.status === 'ACTIVE' && primary?.rolloutState !== 'FAILED' && primary?.rolloutState !== 'IN_PROGRESS' && running >= desired && healthy >= desired;
  return { kind: 'MicroService', healthy: ok, summary: `${healthy}/${desired} replicas healthy${problems.length ? `; ${problems.join('; ')}` : ''}`, replicas, ...(notThisRelease ? { final: true } : {}) };
}

/**
 * A MicroService during a canary step: healthy only while both its ECS services are, the stable's
 * summary first; the canary's tasks are among the replicas.
 */
export function withCanary(stable: ComponentHealth, canary: ComponentHealth): ComponentHealth {
  return { ...stable, healthy: stable.healthy && canary.healthy, summary: `${stable.summary}; canary ${canary.summary}`, replicas: [...stable.replicas, ...canary.replicas] };
}
