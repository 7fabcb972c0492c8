import type { ByKind, ComponentKind, ComponentSpec, EnvironmentSpec, EnvironmentVariable, KindedSpec, ServiceFile } from './schema';

/** Where something was written: repo-relative file, 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A file under a component's configs/, delivered to the service at /config. */
export interface ConfigFile {
  /** Path relative to the component's configs/ directory. */
  path: string;
  mountPath: string;
  sha256: string;
  content: string;
}

/** One component as it should be deployed in one environment, of any kind (narrow by `kind` to reach its spec). */
export type DesiredComponent = ByKind<DesiredComponentFields>;

/** What every kind of desired component has; `kind` and `spec` agree in DesiredComponent. */
interface DesiredComponentFields {
  /** `<service>/<component>`. */
  id: string;
  service: string;
  name: string;
  kind: ComponentKind;
  /** Spec after merging infra.yaml, applying the environment's overrides and filling ${VARS}. */
  spec: ComponentSpec;
  /** Ids this component waits for: declared dependsOn plus every valueFrom reference. */
  dependsOn: string[];
  configs: ConfigFile[];
  /** Hash of spec + config contents: equal hashes mean nothing to deploy (unless `platform` changed). */
  specHash: string;
  /**
   * aws, data components: the environment's platform references its resources are built from (a
   * KMS key, the VPC), kept with each release so a plan sees the change of one, which may replace it.
   */
  platform?: Partial<EnvironmentSpec['platform']>;
  source: SourceLocation;
}

export interface DesiredService {
  name: string;
  stack: string;
  spec: ServiceFile['spec'];
  annotations: Record<string, string>;
  components: DesiredComponent[];
  source: SourceLocation;
}

/** The whole desired state of one stack in one environment, as the CLI sends it to workflows. */
export interface DesiredStack {
  stack: string;
  environment: { name: string; spec: EnvironmentSpec };
  services: DesiredService[];
  /** Approver groups from deployer.yaml. */
  groups: Record<string, string[]>;
  slackUsers: Record<string, string>;
  githubUsers: Record<string, string>;
  /** Git commit of the deployment repo checkout, when it is one. */
  commit?: string;
  /** Where the checkout is: the worker reads the approval policy from its reviewed branch, never from these files. */
  checkout?: Checkout;
  variables: Record<string, string>;
}

/** The git checkout a desired state was rendered from. */
export interface Checkout {
  /** Absolute path of the git work tree's top level. */
  gitRoot: string;
  /** The deployment repo's directory inside it ('.' when it is the top level). */
  path: string;
  /** Whether files differ from the commit (uncommitted or untracked changes under the deployment repo). */
  dirty: boolean;
}

/**
 * Everything that decides who may do what in one environment for one service, as the reviewed
 * branch of the deployment repo says: never taken from what a client sends.
 */
export interface DeploymentPolicy {
  environment: string;
  approval: EnvironmentSpec['approval'];
  /** service.yaml's approvers (people and groups); empty when the service is not on the branch yet. */
  approvers: string[];
  groups: Record<string, string[]>;
  slackUsers: Record<string, string>;
  githubUsers: Record<string, string>;
  signingKeys: Record<string, string[]>;
  breakGlass: string[];
}

/** A component's environment variables: only a MicroService has any. */
export function environmentVariables(component: KindedSpec): EnvironmentVariable[] {
  return component.kind === 'MicroService' ? component.spec.environment : [];
}
