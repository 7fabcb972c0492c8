import type { DesiredComponent } from './api';

// Kept apart from programs.ts, which loads Pulumi: the target's description reads it at start-up.

/** The outputs of the local runtime's resource that a component of each kind exports. */
const EXPORTED_OUTPUTS = {
  MicroService: ['url'],
  RDS: ['endpoint', 'port', 'database', 'username', 'password'],
  ElastiCacheRedis: ['endpoint', 'port'],
  SQS: ['url', 'arn'],
} as const;

type ExportedOutput = (typeof EXPORTED_OUTPUTS)[keyof typeof EXPORTED_OUTPUTS][number];

/**
 * What a local component exports, from its resource's outputs: read from the resource while the
 * program runs, or from the resource as its stack's state records it.
 */
export function localExports<T>(kind: DesiredComponent['kind'], output: (name: ExportedOutput) => T): Record<string, T | string> {
  const exported: Record<string, T | string> = Object.fromEntries(EXPORTED_OUTPUTS[kind].map((name) => [name, output(name)]));
  // The local Redis takes no AUTH (it listens on loopback only): empty, as on aws without transit encryption.
  if (kind === 'ElastiCacheRedis') exported.authToken = '';
  return exported;
}
