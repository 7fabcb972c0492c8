// What every target's drift table answers: which recorded field of which resource a user wrote, and
// where it lives in the component's spec. Each target has its own table (local/driftFields.ts,
// aws/driftFields.ts); src/drift/report.ts applies whichever the environment's target names.
import type { ComponentKind, KindedSpec } from '../model/schema';

export interface SpecField {
  /** The name reports show and `drift ignore --field` takes. */
  field: string;
  /** Path in the component's merged spec. */
  specPath: (string | number)[];
  /** The provider's value in the spec's terms (SQS `fifo: true` is `type: fifo`). */
  toSpec?: (value: unknown) => unknown;
  secret?: boolean;
  /**
   * The spec does not hold the value literally (a valueFrom variable, config file contents, a
   * security setting deployer always applies): the recorded value is the desired one.
   */
  derived?: boolean;
}

/** The resource of a component stack a refresh found changed or gone, as the engine names it. */
export interface DriftedResource {
  /** Pulumi type token: `aws:ecs/service:Service`. */
  type: string;
  /** The name the program gave it: `service`, `task-policy`, `dead-letter`. */
  name: string;
}

/** Where a provider field (dotted, as the refresh names it) comes from; undefined when no user wrote it. */
export type FieldResolver = (component: KindedSpec, resource: DriftedResource, field: string) => SpecField | undefined;

/** What a deleted resource means: one field of the component, or (undefined) the component itself gone. */
export type DeletionResolver = (kind: ComponentKind, resource: DriftedResource) => SpecField | undefined;
