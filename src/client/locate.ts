// Finding things in the deployment repo from what a user typed: a service's stack, a component's
// kind. Every miss is a usage error naming the candidates.
import fs from 'node:fs';
import path from 'node:path';
import { ComponentName, parseComponentId } from '../model/componentRef';
import { didYouMean } from '../model/diagnostics';
import { kindDeclaredIn } from '../model/componentFiles';
import type { ComponentKind } from '../model/schema';
import { DeployerError } from '../errors';

/** A `--component` the user typed (`<service>/<component>`, both names as the model allows them) -> its two names; anything else is a usage error. */
export function requireComponentId(id: string): ComponentName {
  const name = parseComponentId(id);
  if (!name || ![name.service, name.component].every((part) => /^[a-z][a-z0-9-]*$/.test(part))) throw new DeployerError(`--component "${id}" is not <service>/<component> (e.g. notification-service/api)`, 'BAD_COMPONENT');
  return name;
}

/** A stack the repo declares; an unknown name is a usage error naming the stacks. */
export function requireStack(root: string, stack: string): string {
  const stacks = listDirs(path.join(root, 'stacks'));
  if (!stacks.includes(stack)) throw new DeployerError(`unknown stack "${stack}".${suggest(stack, stacks)} Stacks in this repo: ${listing(stacks)}.`, 'UNKNOWN_STACK');
  return stack;
}

/** An environment the repo declares (environments/<name>.yaml), checked by its file alone; an unknown name is a usage error naming the environments. */
export function requireEnvironmentName(root: string, name: string): string {
  const names = listDirs(path.join(root, 'environments'), true);
  if (!names.includes(name)) throw unknownEnvironment(name, names);
  return name;
}

export function unknownEnvironment(name: string, names: string[]): DeployerError {
  return new DeployerError(`unknown environment "${name}".${suggest(name, names)} Environments in this repo: ${listing(names)}.`, 'UNKNOWN_ENVIRONMENT');
}

/**
 * The service a user named and the environment they named, found from the repo's directories alone:
 * no file is parsed, which is all that reads keyed by name (history) need, and keeps their start-up
 * free of the repo model.
 */
export function locateService(root: string, options: { service: string; environment: string; stack?: string }): { stack: string; service: string; environment: string } {
  if (!/^[a-z][a-z0-9-]*$/.test(options.service)) throw new DeployerError(`--service "${options.service}" is not a service name (e.g. notification-service)`, 'BAD_SERVICE');
  const environment = requireEnvironmentName(root, options.environment);
  return { stack: findServiceStack(root, options.service, options.stack), service: options.service, environment };
}

/** The stack that holds `service`: --stack when given (and it has the service), else the only stack that does. */
export function findServiceStack(root: string, service: string, stack?: string): string {
  const stacks = listDirs(path.join(root, 'stacks'));
  if (stack !== undefined) requireStack(root, stack);
  const candidates = stack !== undefined ? [stack] : stacks;
  const servicesOf = (name: string) => listDirs(path.join(root, 'stacks', name, 'services'));
  const holders = candidates.filter((name) => servicesOf(name).includes(service));
  if (holders.length === 1) return holders[0]!;
  if (holders.length > 1) {
    throw new DeployerError(`service "${service}" is in ${holders.length} stacks: ${holders.join(', ')}. Pass --stack to choose one.`, 'AMBIGUOUS_SERVICE');
  }
  if (stack !== undefined) {
    const services = servicesOf(stack);
    throw new DeployerError(`stack ${stack} has no service "${service}".${suggest(service, services)} Its services: ${listing(services)}.`, 'UNKNOWN_SERVICE');
  }
  const all = stacks.flatMap((name) => servicesOf(name).map((serviceName) => ({ stack: name, service: serviceName })));
  throw new DeployerError(
    `no stack has a service "${service}".${suggest(service, new Set(all.map((entry) => entry.service)))} Services in this repo: ${listing(all.map((entry) => `${entry.service} (${entry.stack})`))}.`,
    'UNKNOWN_SERVICE',
  );
}

/** A component's kind by the file that declares it (microservice.yaml, rds.yaml, ...). */
export function componentKind(dir: string): ComponentKind | undefined {
  return kindDeclaredIn((file) => fs.existsSync(path.join(dir, file)));
}

export function suggest(word: string, candidates: Iterable<string>): string {
  const suggestion = didYouMean(word, candidates);
  return suggestion ? ` Did you mean "${suggestion}"?` : '';
}

/** A list for a message; long ones are cut so a 100-service repo still gives a readable error. */
export function listing(names: string[], max = 20): string {
  if (names.length === 0) return 'none';
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}

export function listDirs(dir: string, yamlFiles = false): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => (yamlFiles ? entry.isFile() && /\.ya?ml$/.test(entry.name) : entry.isDirectory()))
    .map((entry) => entry.name.replace(/\.ya?ml$/, ''))
    .sort();
}

/** A component of the repo named `<service>/<component>`: its stack (found from the service), directory and kind. */
export function locateComponent(root: string, componentId: string, stack?: string): { stack: string; service: string; component: string; componentsDir: string; kind?: ComponentKind } {
  const { service, component } = requireComponentId(componentId);
  const found = findServiceStack(root, service, stack);
  const componentsDir = path.join(root, 'stacks', found, 'services', service, 'components');
  const components = listDirs(componentsDir);
  if (!components.includes(component)) {
    throw new DeployerError(
      `service ${service} (stack ${found}) has no component "${component}".${suggest(component, components)} Its components: ${listing(components)}.`,
      'UNKNOWN_COMPONENT',
    );
  }
  return { stack: found, service, component, componentsDir, kind: componentKind(path.join(componentsDir, component)) };
}
