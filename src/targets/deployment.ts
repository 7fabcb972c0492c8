import type { ConfigFile } from '../model/types';
import type { ComponentKind, ComponentSpec, EnvironmentSpec } from '../model/schema';

/** Which component of which service, stack and environment. */
export interface ComponentRef {
  stack: string;
  environment: string;
  service: string;
  component: string;
  /**
   * The component's kind, when the caller knows it. Optional: a target whose resources are not
   * told apart by name alone (aws) looks the kind up when it is missing, at a few API calls' cost.
   */
  kind?: ComponentKind;
}

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
