import { Flags } from '@oclif/core';
import type { DesiredStack } from '../src/model/types';
import { DATA_KINDS } from '../src/plan/replacements';
import { didYouMean } from '../src/model/diagnostics';
import { printable } from '../src/client/render/format';
import { DeployerError } from '../src/errors';

// Imports stay light (no schema, no zod): oclif reads every command's flags at start-up.

/** `--allow-replace <service>/<component>`: the acknowledgement a plan that replaces data needs. */
export const allowReplaceFlag = Flags.string({
  description:
    'Accept that this RDS, ElastiCacheRedis or SQS component (<service>/<component>, repeatable) is replaced when the plan says so: ' +
    'its data is deleted (RDS and ElastiCache keep a final snapshot; a queue loses its messages) and it starts empty. Without it such a plan is refused.',
  multiple: true,
  default: [],
});

const COMPONENT_ID = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/;

/**
 * The --allow-replace values, each a data component of the deployment (usage error otherwise):
 * a typo must not leave the user believing a replacement was accepted, nor accept another one.
 */
export function checkAllowReplace(values: string[], desired: DesiredStack, service?: string): string[] {
  const candidates = desired.services
    .filter((candidate) => !service || candidate.name === service)
    .flatMap((candidate) => candidate.components)
    .filter((component) => DATA_KINDS.includes(component.kind))
    .map((component) => component.id);
  for (const value of values) {
    if (!COMPONENT_ID.test(value)) throw new DeployerError(`--allow-replace "${printable(value)}" is not <service>/<component> (e.g. notification-service/database)`, 'BAD_ALLOW_REPLACE');
    if (!candidates.includes(value)) {
      throw new DeployerError(
        `--allow-replace ${value}: no RDS, ElastiCacheRedis or SQS component of that name in this deployment.${suggestion(value, candidates)} Its data components: ${candidates.length ? candidates.join(', ') : 'none'}.`,
        'UNKNOWN_ALLOW_REPLACE',
      );
    }
  }
  return [...new Set(values)];
}

/** For a rollback, which has no repo to check against: the format, and the service rolled back. */
export function checkAllowReplaceOf(values: string[], service: string): string[] {
  for (const value of values) {
    if (!COMPONENT_ID.test(value)) throw new DeployerError(`--allow-replace "${printable(value)}" is not <service>/<component> (e.g. ${service}/database)`, 'BAD_ALLOW_REPLACE');
    if (!value.startsWith(`${service}/`)) throw new DeployerError(`--allow-replace ${value}: a rollback of ${service} replaces only its own components (${service}/<component>)`, 'UNKNOWN_ALLOW_REPLACE');
  }
  return [...new Set(values)];
}

function suggestion(word: string, candidates: string[]): string {
  const match = didYouMean(word, candidates);
  return match ? ` Did you mean "${match}"?` : '';
}
