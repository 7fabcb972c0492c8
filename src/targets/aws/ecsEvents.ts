import type { Service, ServiceEvent } from '@aws-sdk/client-ecs';
import type { RuntimeEvent, RuntimeEventType } from '../local/api';

// ECS writes its service events as sentences (`(service x) has started 2 tasks: (task 3f2a…).`);
// their wording is stable and documented, so the kind of event is read from it. First match wins;
// anything else is about the service's deployments.
const EVENT_TYPES: [RegExp, RuntimeEventType][] = [
  [/has reached a steady state/i, 'healthy'],
  [/deployment (?:\S+ )?completed/i, 'healthy'],
  [/unhealthy|failed (?:elb |container )?health checks|is unable to|was unable to|deployment failed|failed to start|circuit breaker/i, 'unhealthy'],
  [/rolling back|rolled back/i, 'rollout'],
  [/has started \d+ tasks?|\bregistered \d+ targets?/i, 'started'],
  [/has stopped \d+ (?:running )?tasks?|begun draining|deregistered \d+ targets?/i, 'stopped'],
  [/desired count/i, 'scaled'],
];

/** `(service api) has started 1 tasks: (task 3f2a…).` -> `has started 1 tasks: (task 3f2a…).` */
function withoutServicePrefix(message: string): string {
  return message.replace(/^\(service [^)]+\)\s*/, '');
}

/** The task an event is about, when it names exactly one. */
function taskOf(message: string): string | undefined {
  const tasks = [...message.matchAll(/\(task ([0-9a-f]{16,})\)/g)].map((match) => match[1]!);
  return tasks.length === 1 ? tasks[0] : undefined;
}

export function eventType(message: string): RuntimeEventType {
  return EVENT_TYPES.find(([pattern]) => pattern.test(message))?.[1] ?? 'rollout';
}

export function toRuntimeEvent(event: ServiceEvent): RuntimeEvent {
  const message = event.message ?? '';
  const replica = taskOf(message);
  return { at: event.createdAt ? new Date(event.createdAt).toISOString() : '', type: eventType(message), ...(replica ? { replica } : {}), message: withoutServicePrefix(message) };
}

/**
 * The service's events (ECS keeps its newest 100) and the start of each deployment it still tracks,
 * oldest first, from `since` on.
 */
export function serviceEvents(service: Service, since?: Date): RuntimeEvent[] {
  const deployments: RuntimeEvent[] = (service.deployments ?? []).flatMap((deployment) =>
    deployment.createdAt
      ? [{ at: new Date(deployment.createdAt).toISOString(), type: 'rollout' as const, message: `deployment ${deployment.id ?? ''} of ${deployment.taskDefinition?.split('/').pop() ?? 'its task definition'} started; now ${(deployment.status ?? 'unknown').toLowerCase()}${deployment.rolloutState ? `, ${deployment.rolloutState.toLowerCase().replace('_', ' ')}` : ''}` }]
      : [],
  );
  const events = [...(service.events ?? []).map(toRuntimeEvent), ...deployments].filter((event) => event.at && (!since || Date.parse(event.at) >= since.getTime()));
  return events.sort((a, b) => a.at.localeCompare(b.at));
}
