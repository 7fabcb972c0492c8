import type { ComponentRef } from '../model/componentRef';
import type { ConfigFile } from '../model/types';
import type { ComponentKind, ComponentSpec, EnvironmentSpec } from '../model/schema';

/** A value a component reads from another component's outputs, resolved just before its Pulumi run. */
export interface ResolvedValue {
  value: string;
  secret: boolean;
}

/**
 * Everything a target's Pulumi program needs to provision one component in one environment.
 * `resolved` holds the environment variables filled from other components' outputs (valueFrom),
 * by variable name; they are read in the worker, so secrets never travel through workflow history.
 */
export interface ComponentDeployment {
  ref: ComponentRef;
  kind: ComponentKind;
  spec: ComponentSpec;
  configs: ConfigFile[];
  environment: EnvironmentSpec;
  resolved: Record<string, ResolvedValue>;
  /**
   * On aws: the non-secret outputs of the components this one depends on, by `<service>/<component>`.
   * A dependency with a security group admits this component's tasks; a queue grants them access.
   */
  dependencyOutputs?: Record<string, Record<string, string>>;
}
