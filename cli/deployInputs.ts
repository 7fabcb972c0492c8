import path from 'node:path';
import type { Diagnostic } from '../src/model/diagnostics';
import { loadDesiredStack } from '../src/model/loadRepo';
import { parseImage } from '../src/model/specChecks';
import { gitCheckout, gitCommit } from '../src/model/checkout';
import type { DesiredStack } from '../src/model/types';
import { checkAllowReplace } from './allowReplace';
import { currentIdentity, requesterIdentity } from './identity';
import { findServiceStack, listDirs, listing, suggest } from '../src/client/locate';
import { findRepoRoot, parseVars } from './flags';
import { DeployerError } from '../src/errors';

export interface DeployFlags {
  repo?: string;
  var: string[];
  stack?: string;
  service?: string;
  environment: string;
  'allow-replace'?: string[];
}

export interface DeployRequest {
  root: string;
  desired: DesiredStack;
  service?: string;
  version: string;
  requestedBy: string;
  /** Data components whose replacement the requester accepts (--allow-replace). */
  allowReplace?: string[];
  /** What the repo should change but may deploy with (a secret written in plain text). */
  warnings: Diagnostic[];
}

/**
 * What `apply` sends: the desired state rendered from this checkout (with its commit), the service
 * (its stack found from the service when --stack is omitted), the version users will see, and who asks.
 */
export function deployRequest(flags: DeployFlags): DeployRequest {
  const root = findRepoRoot(flags.repo);
  if (!flags.stack && !flags.service) throw new DeployerError('say what to deploy: --stack STACK (every service), or --service SERVICE (its stack is found), or both', 'NOTHING_SELECTED');
  const stack = flags.stack && !flags.service ? flags.stack : findServiceStack(root, flags.service!, flags.stack);
  const variables = parseVars(flags.var);
  const warnings: Diagnostic[] = [];
  const desired = loadDesiredStack({ root, stack, environment: flags.environment, variables, services: flags.service ? [flags.service] : undefined, warnings });
  desired.commit = gitCommit(root);
  desired.checkout = gitCheckout(root);
  if (flags.service && !desired.services.some((service) => service.name === flags.service)) {
    const names = listDirs(path.join(root, 'stacks', stack, 'services'));
    throw new DeployerError(`stack ${stack} has no service "${flags.service}".${suggest(flags.service, names)} Its services: ${listing(names)}.`, 'UNKNOWN_SERVICE');
  }
  const allowReplace = checkAllowReplace(flags['allow-replace'] ?? [], desired, flags.service);
  return { root, desired, service: flags.service, version: displayVersion(desired, variables, flags.service), requestedBy: requesterIdentity(currentIdentity(process.env, root), desired.githubUsers), allowReplace, warnings };
}

/** The VERSION variable when given, else the image tag of the service's first MicroService. */
export function displayVersion(desired: DesiredStack, variables: Record<string, string>, service?: string): string {
  if (variables.VERSION) return variables.VERSION;
  const components = desired.services.filter((candidate) => !service || candidate.name === service).flatMap((candidate) => candidate.components);
  const microService = components.find((component) => component.kind === 'MicroService');
  const image = microService?.kind === 'MicroService' ? microService.spec.image : undefined;
  return (image && parseImage(image)?.tag) ?? (desired.commit ? desired.commit.slice(0, 7) : 'unversioned');
}
