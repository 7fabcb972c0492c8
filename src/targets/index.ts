import type { PulumiFn } from '@pulumi/pulumi/automation';

/** A component kind the active targets can provision. */
export interface ComponentProgramFactory {
  (spec: unknown): PulumiFn;
}

const factories = new Map<string, ComponentProgramFactory>();

/** Targets register the kinds they provision here at load time. */
export function registerComponentProgram(kind: string, factory: ComponentProgramFactory): void {
  factories.set(kind, factory);
}

/** The worker's program catalogue: kind -> Pulumi program, with a clear error for unknown kinds. */
export const programCatalogue = {
  programFor(kind: string, spec: unknown): PulumiFn {
    const factory = factories.get(kind);
    if (!factory) {
      const known = [...factories.keys()].sort().join(', ') || 'none';
      throw new Error(`no Pulumi program for component kind "${kind}" (known kinds: ${known})`);
    }
    return factory(spec);
  },
};
