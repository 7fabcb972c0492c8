// `deployer drift ignore`: what is named, checked against the deployment repo when there is one.
import path from 'node:path';
import { parseUntil } from '../src/drift/ignore';
import { loadEnvironment } from '../src/model/loadRepo';
import type { ComponentKind, EnvironmentSpec } from '../src/model/schema';
import { AWS_DRIFT_FIELDS } from '../src/targets/aws/driftFields';
import { LOCAL_DRIFT_FIELDS } from '../src/targets/local/driftFields';
import type { IgnoreDriftInput, IgnoreDriftResult } from '../src/temporal/drift';
import { componentKind, listDirs, listing, suggest } from '../src/client/locate';
import { ruleTerms } from './render/drift';
import { DeployerError } from '../src/errors';
import { parseComponentId } from '../src/model/componentRef';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * The fields each target's drift reports name. `open` ones take any setting under them (a local
 * component records every environment variable and health check setting by name); the aws list
 * names each field, and a prefix of them (`security`, `healthCheck`) covers those under it.
 */
const DRIFT_FIELDS: Record<EnvironmentSpec['target'], { fields: Record<ComponentKind, string[]>; open: string[]; hint: string }> = {
  local: { fields: LOCAL_DRIFT_FIELDS, open: ['environment', 'healthCheck'], hint: ' (environment.<NAME> and healthCheck.<setting> name one of those)' },
  aws: { fields: AWS_DRIFT_FIELDS, open: [], hint: ' (a prefix such as security or healthCheck names every field under it)' },
};

export interface IgnoreTargetOptions {
  /** Deployment repo root, when there is one: then the component and field are checked. */
  root?: string;
  stack: string;
  service: string;
  environment: string;
  component: string;
  field: string;
  until?: string;
  now: Date;
}

/** The component name, field and end time of a rule; usage errors name what would be valid. */
export function checkIgnoreTarget(options: IgnoreTargetOptions): { component: string; field: string; until?: string } {
  let component = options.component;
  if (component.includes('/')) {
    const name = parseComponentId(component);
    if (name?.service !== options.service) throw new DeployerError(`--component "${component}" is not a component of ${options.service} (give its name, e.g. api, or ${options.service}/api)`, 'BAD_COMPONENT');
    component = name.component;
  }
  if (!NAME.test(component)) throw new DeployerError(`--component "${options.component}" is not a component name (e.g. api)`, 'BAD_COMPONENT');
  const field = options.field.trim();
  if (!field) throw new DeployerError('--field is empty; name a field as drift reports show it (replicas, cpu, memory, ...)', 'BAD_FIELD');
  if (field === 'deleted' || field === '(deleted)') {
    throw new DeployerError(`a deleted component cannot be ignored: restore it with \`deployer drift remediate --service ${options.service} --environment ${options.environment}\`, or remove it from the deployment repo and apply`, 'NOT_IGNORABLE');
  }
  if (options.root) checkAgainstRepo(options.root, options, component, field);
  let until: string | undefined;
  if (options.until !== undefined) {
    try {
      until = parseUntil(options.until, options.now);
    } catch (error) {
      throw new DeployerError((error as Error).message, 'BAD_UNTIL');
    }
  }
  return { component, field, until };
}

function checkAgainstRepo(root: string, options: IgnoreTargetOptions, component: string, field: string): void {
  const componentsDir = path.join(root, 'stacks', options.stack, 'services', options.service, 'components');
  const components = listDirs(componentsDir);
  if (!components.includes(component)) {
    throw new DeployerError(`service ${options.service} (stack ${options.stack}) has no component "${component}".${suggest(component, components)} Its components: ${listing(components)}.`, 'UNKNOWN_COMPONENT');
  }
  const kind = componentKind(path.join(componentsDir, component));
  const environment = loadEnvironment(root, options.environment);
  if (!kind || !environment) return; // an environment this checkout does not define: take the name as given
  const { fields, open, hint } = DRIFT_FIELDS[environment.target];
  const known = fields[kind];
  const valid = known.some((name) => name === field || name.startsWith(`${field}.`) || (open.includes(name) && field.startsWith(`${name}.`)));
  const where = environment.target === 'local' ? '' : ` on ${environment.target}`;
  if (!valid) throw new DeployerError(`${kind} ${component} has no drift field "${field}"${where}.${suggest(field, known)} Its fields: ${known.join(', ')}${hint}.`, 'UNKNOWN_FIELD');
}

export function renderIgnore(input: IgnoreDriftInput, result: IgnoreDriftResult): string {
  const what = `${input.field} of ${input.service}/${input.component} in ${input.environment}`;
  const scope = `--service ${input.service} --environment ${input.environment}`;
  if (input.remove) {
    return result.removed ? `✓ Drift of ${what} is reported again.` : `No ignore rule for ${what}; nothing changed.`;
  }
  const rule = result.ignores.find((candidate) => candidate.component === input.component && candidate.field === input.field);
  return [
    `✓ Ignoring drift of ${what} (${rule ? ruleTerms(rule) : input.until ? `until ${input.until}` : 'no end date'}).`,
    '  Drift detection leaves it out of its reports and notifications.',
    `  List ignored fields: deployer drift detect ${scope} --show-ignored`,
    `  Report it again:     deployer drift ignore ${scope} --component ${input.component} --field ${input.field} --remove`,
  ].join('\n');
}
