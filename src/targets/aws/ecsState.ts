import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Listener, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ComponentState, ComponentStatus } from '../local/api';
import { imageVersion } from './ecsHealth';

/**
 * The url the ALB serves the service at: the listener rule that forwards to one of its target
 * groups gives the host (else the ALB's DNS name) and the path (the rule's first pattern without
 * its `/*`); the listener gives the scheme. Undefined when no rule routes to the service.
 */
export function ingressUrl(input: { listener?: Listener; rules: Rule[]; targetGroupArns: string[]; albDnsName?: string }): string | undefined {
  const forwardsHere = (rule: Rule) =>
    (rule.Actions ?? []).some(
      (action) => (action.TargetGroupArn && input.targetGroupArns.includes(action.TargetGroupArn)) || (action.ForwardConfig?.TargetGroups ?? []).some((group) => group.TargetGroupArn && input.targetGroupArns.includes(group.TargetGroupArn)),
    );
  const rule = input.rules.find(forwardsHere);
  if (!rule) return undefined;
  const condition = (field: string) => rule.Conditions?.find((candidate) => candidate.Field === field);
  const host = condition('host-header')?.HostHeaderConfig?.Values?.[0] ?? condition('host-header')?.Values?.[0] ?? input.albDnsName;
  if (!host) return undefined;
  const patterns = condition('path-pattern')?.PathPatternConfig?.Values ?? condition('path-pattern')?.Values ?? [];
  const path = (patterns[0] ?? '').replace(/\/?\*$/, '');
  const scheme = input.listener?.Protocol === 'HTTPS' ? 'https' : 'http';
  return `${scheme}://${host}${path}`;
}

/**
 * Where services of a Service Connect namespace call one without ingress, as its program publishes it:
 * `http://<alias>:<container port>`; undefined without the port.
 */
export function serviceConnectUrl(alias: string, taskDefinition: TaskDefinition | undefined, container: string): string | undefined {
  const port = taskDefinition?.containerDefinitions?.find((candidate) => candidate.name === container)?.portMappings?.[0]?.containerPort;
  return port === undefined ? undefined : `http://${alias}:${port}`;
}

/** `ecs://<cluster>/<service>`: what the programs publish as the url of a service without ingress or Service Connect. */
export function serviceUrl(clusterName: string, serviceName: string): string {
  return `ecs://${clusterName}/${serviceName}`;
}

/**
 * What runs, in the shape of the local runtime's state: `actual` carries the desired-state fields
 * ECS knows (image, replicas, resources, port), `status` the service's progress.
 */
export function microServiceState(input: { service: Service; taskDefinition?: TaskDefinition; container: string; healthyReplicas: number; url: string }): ComponentState {
  const { service, taskDefinition, container } = input;
  const definition = taskDefinition?.containerDefinitions?.find((candidate) => candidate.name === container);
  const desired = service.desiredCount ?? 0;
  const rollingOut = service.deployments?.some((deployment) => deployment.status === 'PRIMARY' && deployment.rolloutState === 'IN_PROGRESS') || (service.deployments?.length ?? 0) > 1;
  const state: ComponentStatus['state'] =
    service.status !== 'ACTIVE' || desired === 0 ? 'stopped' : rollingOut ? 'updating' : input.healthyReplicas >= desired ? 'running' : 'degraded';
  const port = service.loadBalancers?.find((balancer) => balancer.containerName === container)?.containerPort ?? definition?.portMappings?.[0]?.containerPort;
  return {
    kind: 'MicroService',
    actual: {
      ...(definition?.image ? { image: definition.image } : {}),
      replicas: desired,
      ...(taskDefinition?.cpu && taskDefinition.memory ? { resources: { cpu: Number(taskDefinition.cpu), memory: Number(taskDefinition.memory) } } : {}),
      ...(port !== undefined ? { port } : {}),
    },
    outputs: { url: input.url },
    secretOutputs: [],
    status: {
      state,
      desiredReplicas: desired,
      healthyReplicas: input.healthyReplicas,
      ...(definition?.image ? { version: imageVersion(definition.image) } : {}),
      url: input.url,
    },
  };
}
