import type { DesiredComponent, DesiredStack } from '../model/types';
import { Ingress, listenerRulePriority, routeKey } from '../targets/aws/listenerPriority';

/**
 * MicroServices of the stack that the environment's shared ALB listener could not route apart: two
 * with the same host and path (each would get a rule, and whichever AWS evaluates first takes all
 * the traffic), or two routes whose priorities coincide (AWS refuses the second rule at apply).
 * Only pairs that involve a planned component are reported: the others are not this plan's doing.
 * Services of other stacks share the listener too but are not known here; there a same route
 * means a same priority, which AWS refuses.
 */
export function ingressCollisions(desired: DesiredStack, planned: Set<string>): string[] {
  const routed = desired.services
    .flatMap((service) => service.components)
    .flatMap((component) => (component.kind === 'MicroService' && component.spec.ingress ? [{ component, ingress: component.spec.ingress }] : []));
  const reasons: string[] = [];
  routed.forEach((first, index) => {
    for (const second of routed.slice(index + 1)) {
      if (!planned.has(first.component.id) && !planned.has(second.component.id)) continue;
      const reason = collision(first, second);
      if (reason) reasons.push(reason);
    }
  });
  return reasons;
}

interface Routed {
  component: DesiredComponent;
  ingress: Ingress;
}

function collision(first: Routed, second: Routed): string | undefined {
  const both = `${first.component.id} and ${second.component.id}`;
  if (routeKey(first.ingress) === routeKey(second.ingress)) {
    return `${both} both route ${describe(first.ingress)}: the load balancer would send all of it to one of them. Give one another ingress.path or ingress.host.`;
  }
  const priority = listenerRulePriority(first.ingress);
  if (priority === listenerRulePriority(second.ingress)) {
    return `${both} route ${describe(first.ingress)} and ${describe(second.ingress)}, whose listener rule priorities coincide (${priority}, derived from the route); AWS would refuse the second rule. Change one of the paths.`;
  }
  return undefined;
}

function describe(ingress: Ingress): string {
  return ingress.host ? `${ingress.host}${ingress.path}` : ingress.path;
}
