import { DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, Listener, Rule, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';

/** One target group of a service, with its targets' health as the ALB sees it. */
export interface TargetGroupHealth {
  targetGroupArn: string;
  targets: TargetHealthDescription[];
}

// DescribeTasks takes at most 100 tasks per request.
const DESCRIBE_TASKS_BATCH = 100;

/** The ECS service, or undefined when the cluster has none by that name (or only a deleted one). */
export async function describeService(ecs: ECSClient, cluster: string, serviceName: string): Promise<Service | undefined> {
  const reply = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
  const service = reply.services?.find((candidate) => candidate.serviceName === serviceName);
  return service && service.status !== 'INACTIVE' ? service : undefined;
}

export function targetGroupArns(service: Service): string[] {
  return [...new Set((service.loadBalancers ?? []).flatMap((balancer) => (balancer.targetGroupArn ? [balancer.targetGroupArn] : [])))];
}

/** DescribeTargetHealth for each target group the service registers its tasks in. */
export async function describeTargets(elb: ElasticLoadBalancingV2Client, service: Service): Promise<TargetGroupHealth[]> {
  return Promise.all(
    targetGroupArns(service).map(async (targetGroupArn) => ({
      targetGroupArn,
      targets: (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions ?? [],
    })),
  );
}

/**
 * The service's tasks that should be running (starting, running or on their way out after a
 * scale-in). ListTasks' service filter is checked again on each task's group (`service:<name>`),
 * which ECS sets on every task a service starts.
 */
export async function serviceTasks(ecs: ECSClient, cluster: string, serviceName: string): Promise<Task[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING', ...(nextToken ? { nextToken } : {}) }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const tasks: Task[] = [];
  for (let start = 0; start < arns.length; start += DESCRIBE_TASKS_BATCH) {
    const reply = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(start, start + DESCRIBE_TASKS_BATCH) }));
    tasks.push(...(reply.tasks ?? []));
  }
  return tasks.filter((task) => task.group === `service:${serviceName}`);
}

export async function describeTaskDefinition(ecs: ECSClient, taskDefinitionArn: string): Promise<TaskDefinition | undefined> {
  return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }))).taskDefinition;
}

/** The listener and its rules, for the url a service's ingress rule routes. */
export async function describeListener(elb: ElasticLoadBalancingV2Client, listenerArn: string): Promise<{ listener?: Listener; rules: Rule[] }> {
  const [listeners, rules] = await Promise.all([elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })), describeRules(elb, listenerArn)]);
  return { listener: listeners.Listeners?.[0], rules };
}

async function describeRules(elb: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn, ...(marker ? { Marker: marker } : {}) }));
    rules.push(...(page.Rules ?? []));
    marker = page.NextMarker;
  } while (marker);
  return rules;
}

/** The ALBs a target group is attached to (their ARNs), for when the environment names no listener. */
export async function loadBalancersOf(elb: ElasticLoadBalancingV2Client, targetGroupArn: string): Promise<string[]> {
  const reply = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] }));
  return reply.TargetGroups?.[0]?.LoadBalancerArns ?? [];
}
