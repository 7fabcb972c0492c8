// What of an environment's platform a component is built from, recorded with the component when the
// repo is loaded, so a plan (src/plan/replacements.ts) sees when it changes.
import type { ComponentKind, EnvironmentSpec } from './schema';

type Platform = EnvironmentSpec['platform'];

/** The environment's platform references a kind's resources are built from (none for MicroService: its changes never lose data). */
const PLATFORM_INPUTS: Partial<Record<ComponentKind, (keyof Platform)[]>> = {
  RDS: ['vpcId', 'subnetIds', 'kmsKeyArn'],
  ElastiCacheRedis: ['vpcId', 'subnetIds', 'kmsKeyArn'],
  SQS: ['kmsKeyArn'],
};

/** What of the environment's platform a component of `kind` is built from: recorded with it, so a plan sees when it changes. */
export function platformInputs(kind: ComponentKind, platform: Platform): Partial<Platform> | undefined {
  const keys = PLATFORM_INPUTS[kind];
  if (!keys) return undefined;
  return Object.fromEntries(keys.filter((key) => platform[key] !== undefined).map((key) => [key, platform[key]]));
}
