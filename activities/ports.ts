import type { PulumiFn } from '@pulumi/pulumi/automation';

/** Port: the target's Pulumi programs (local dynamic providers, or @pulumi/aws). */
export interface ProgramCatalogue {
  programFor(kind: string, spec: unknown): PulumiFn;
}
