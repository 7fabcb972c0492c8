import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { ComponentRef } from '../../model/componentRef';
import type { ComponentDeploymentOf } from '../deployment';
import { ecsServiceOf, routeConditions, SharedParts } from './ecsRevision';
import { canaryRulePriority, Ingress } from './listenerPriority';

// A canary step on aws: the new version as a second ECS service with its own target group, beside
// the stable one, and the listener rule forwarding to both target groups by weight. The ALB splits
// requests per request by those weights, so the canary's share does not depend on how many tasks
// each side runs; the canary runs its share of the stable replicas (at least one) so each of its
// tasks carries about the load a stable one does.
//
// Order within the step's one `pulumi up`: the canary's target group is attached to the listener by
// a rule of its own first (ECS refuses a target group no load balancer routes to), its service
// comes up healthy (waitForSteadyState), and only then does the main rule give it its weight, so no
// request is sent to a target group without healthy targets. Promotion and abort are plain updates
// without the canary: the main rule forwards to the stable group alone again before the canary's
// service, rule and group are deleted.

/** The suffix of the canary's resources' logical names (the stable's keep theirs, so they are never replaced). */
export const CANARY_SUFFIX = '-canary';

/** The header that sends a request to the canary whatever the weights (a tester's way in). */
export const CANARY_HEADER = 'X-Deployer-Canary';

export const CANARY_WITHOUT_INGRESS = (ref: ComponentRef) =>
  `${ref.service}/${ref.component} has no ingress: on aws a canary takes its share of the load balancer's requests, so a MicroService without ingress rolls out with strategy: rolling`;

/** The canary's tasks: its weight's share of the stable replicas, rounded up, at least one. */
export function canaryReplicas(stableReplicas: number, weight: number): number {
  return Math.max(1, Math.ceil((stableReplicas * weight) / 100));
}

interface CanaryInput {
  deployment: ComponentDeploymentOf<'MicroService'>;
  weight: number;
  /** The stable release's route: the canary answers on it, never on a route of its own. */
  ingress: Ingress;
  stableReplicas: number;
  task: aws.ecs.TaskDefinition;
  targetGroup: aws.lb.TargetGroup;
  shared: SharedParts;
  /** What the canary's own rule waits for (the host's certificate on the listener). */
  dependsOn: pulumi.Resource[];
}

export interface CanaryParts {
  task: aws.ecs.TaskDefinition;
  service: aws.ecs.Service;
  /** The main rule's action: the stable group keeps 100 - weight, the canary's takes weight. */
  weightedForward(stable: aws.lb.TargetGroup): aws.types.input.lb.ListenerRuleAction;
}

/** The canary's rule, ECS service and weights; its task definition and target group are built as the stable's are. */
export function canaryRevision(input: CanaryInput): CanaryParts {
  const { deployment, weight, ingress, task, targetGroup, shared } = input;
  const route = new aws.lb.ListenerRule(`route${CANARY_SUFFIX}`, {
    listenerArn: deployment.environment.platform.albListenerArn!,
    priority: canaryRulePriority(ingress),
    conditions: [...routeConditions(ingress), { httpHeader: { httpHeaderName: CANARY_HEADER, values: ['*'] } }],
    actions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
  }, { ...shared.options, dependsOn: input.dependsOn });
  const service = ecsServiceOf(deployment, { task, targetGroup, shared, desiredCount: canaryReplicas(input.stableReplicas, weight), published: false, suffix: CANARY_SUFFIX }, { dependsOn: [route] });
  return {
    task,
    service,
    weightedForward: (stable) => ({
      type: 'forward',
      forward: { targetGroups: [{ arn: stable.arn, weight: 100 - weight }, { arn: targetGroup.arn, weight }] },
    }),
  };
}
