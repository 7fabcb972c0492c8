import { ComponentRef, componentRef } from '../model/componentRef';
import type { ConfigFile } from '../model/types';
import type { ByKind, ComponentKind, ComponentSpec, EnvironmentSpec, KindedSpec } from '../model/schema';

/** A value a component reads from another component's outputs, resolved just before its Pulumi run. */
export interface ResolvedValue {
  value: string;
  secret: boolean;
}

/** A deployment of a component of one kind, whose spec is that kind's. */
export type ComponentDeploymentOf<K extends ComponentKind> = ByKind<ComponentDeploymentFields, K>;

/** A deployment of a component of any kind: narrow it by `kind` to reach its spec. */
export type ComponentDeployment = ComponentDeploymentOf<ComponentKind>;

/**
 * Everything a target's Pulumi program needs to provision one component in one environment.
 * `resolved` holds the environment variables filled from other components' outputs (valueFrom),
 * by variable name; they are read in the worker, so secrets never travel through workflow history.
 */
interface ComponentDeploymentFields {
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
  /**
   * A MicroService's canary step: this deployment runs beside `stable` (the release serving now) and
   * takes `weight` percent of its requests. Without it, this deployment is the whole release.
   */
  canary?: { weight: number; stable: ComponentDeployment };
}

/** A component as the model loads it and a release records it: what a deployment is made from. */
export type DeployableComponent = KindedSpec & { service: string; name: string; configs: ConfigFile[] };

/** The deployment of a component to a stack and environment; `resolved` and `dependencyOutputs` are read in the worker just before its run. */
export function componentDeployment(
  stack: string,
  environment: { name: string; spec: EnvironmentSpec },
  component: DeployableComponent,
  inputs: Pick<ComponentDeploymentFields, 'dependencyOutputs'> & { resolved?: Record<string, ResolvedValue> } = {},
): ComponentDeployment {
  const deployment = { ref: componentRef(stack, environment.name, component), kind: component.kind, spec: component.spec, configs: component.configs, environment: environment.spec, resolved: inputs.resolved ?? {} };
  // kind and spec come from one component, whose type keeps them in agreement; copied field by field
  // (nothing else of the component reaches a program) the compiler no longer sees that they agree.
  return (inputs.dependencyOutputs ? { ...deployment, dependencyOutputs: inputs.dependencyOutputs } : deployment) as ComponentDeployment;
}
