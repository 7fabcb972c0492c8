// A component's identity: built once, where its parts are known, and carried as a structure. The
// strings that identify it outside deployer's own memory (the component id in release records and
// plans, the Pulumi stack name, the local runtime's key) are made here, and where one of them has to
// be read back, it is parsed here: nowhere else splits an identity. Their formats are persisted by
// existing deployments (release logs, Pulumi state, the runtime's components), so they never change.
// Pure, with no Node builtin: workflow code imports it too.
import type { ComponentKind } from './schema';

/** Which service of which stack, in which environment. */
export interface ServiceRef {
  stack: string;
  environment: string;
  service: string;
}

/** Which component of which service, stack and environment. */
export interface ComponentRef extends ServiceRef {
  component: string;
  /**
   * The component's kind, when the caller knows it. Optional: a target whose resources are not
   * told apart by name alone (aws) looks the kind up when it is missing, at a few API calls' cost.
   */
  kind?: ComponentKind;
}

/** A component within its stack and environment: what a component id names. */
export type ComponentName = Pick<ComponentRef, 'service' | 'component'>;

/** What a Pulumi program runs against: project = deployment stack, stack = `<service>.<component>.<environment>`. */
export interface ComponentStackId {
  project: string;
  stack: string;
}

/** The ref of a component the model loaded (its `name` is the component's name within its service). */
export function componentRef(stack: string, environment: string, component: { service: string; name: string; kind?: ComponentKind }): ComponentRef {
  return { stack, environment, service: component.service, component: component.name, ...(component.kind ? { kind: component.kind } : {}) };
}

/** `<service>/<component>`: how release records, plans, dependsOn and valueFrom name a component. */
export function componentId(name: ComponentName): string {
  return `${name.service}/${name.component}`;
}

/** The service and component a component id names; undefined when `id` is not one (not exactly two non-empty parts). */
export function parseComponentId(id: string): ComponentName | undefined {
  const match = /^([^/]+)\/([^/]+)$/.exec(id);
  return match ? { service: match[1]!, component: match[2]! } : undefined;
}

/** The ref of the component an id names in a stack and environment; throws on what is not a component id (a bug: ids come from componentId). */
export function componentRefOfId(stack: string, environment: string, id: string): ComponentRef {
  const name = parseComponentId(id);
  if (!name) throw new Error(`"${id}" is not a component id (<service>/<component>)`);
  return { stack, environment, ...name };
}

/** The Pulumi project and stack holding the component's resources. */
export function pulumiStackName(ref: ComponentRef): ComponentStackId {
  return { project: ref.stack, stack: `${ref.service}.${ref.component}.${ref.environment}` };
}

/** The stack of a service's components where its target keeps them together (one engine run per wave). */
export function serviceStackName(ref: Pick<ComponentRef, 'stack' | 'environment' | 'service'>): ComponentStackId {
  return { project: ref.stack, stack: `${ref.service}.${ref.environment}` };
}

const RUNTIME_KEY_PART = /^[a-z][a-z0-9-]*$/;

/** `<stack>.<environment>.<service>.<component>`: the local runtime's name for a component (names are dot-free, so it is unambiguous). */
export function runtimeKey(ref: ComponentRef): string {
  return [ref.stack, ref.environment, ref.service, ref.component].join('.');
}

/** The ref a runtime key names; undefined for anything runtimeKey cannot have made. */
export function parseRuntimeKey(key: string): ComponentRef | undefined {
  const parts = key.split('.');
  if (parts.length !== 4 || parts.some((part) => !RUNTIME_KEY_PART.test(part))) return undefined;
  const [stack, environment, service, component] = parts as [string, string, string, string];
  return { stack, environment, service, component };
}
