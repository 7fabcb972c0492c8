// The Target port: everything that differs between where deployer runs components (the local runtime,
// or aws), behind one interface. Code outside src/targets asks the environment's target (targetFor.ts)
// instead of comparing target names; each target's own module (local/localTarget.ts,
// aws/awsTarget.ts) loads its heavy parts (@pulumi/aws, the AWS SDK clients) only when they are used.
import type { PulumiFn } from '@pulumi/pulumi/automation';
import type { EnvironmentSpec } from '../model/schema';
import type { ComponentDeployment } from './deployment';
import type { DeletionResolver, FieldResolver } from './driftFields';
import type { Observer } from './observer';

/** What finding a component's running parts takes: the target, and on aws the region and platform. */
export type ObservedEnvironment = Pick<EnvironmentSpec, 'target' | 'region' | 'platform'>;

/** How a target's recorded resource fields map onto what users wrote in specs. */
export interface DriftRules {
  /** Which spec field a drifted provider field is; undefined when no user wrote it. */
  specField: FieldResolver;
  /** What a resource deleted outside deployer means: one field of the component, or the component itself. */
  deletedResource: DeletionResolver;
  /** Whether an autoscaler sets replica counts here: a count within a MicroService's autoscaling bounds is then not drift. */
  autoscales: boolean;
}

/** A step after a component's apply failed in a way no retry mends (a database user the engine refused). */
export class FinalProvisioningError extends Error {
  constructor(
    message: string,
    /** The failure type a workflow sees. */
    readonly type: string,
  ) {
    super(message);
  }
}

/** One place components run: how they are provisioned, observed, checked for drift and gated. */
export interface Target {
  /** The name environment files give it (`spec.target`). */
  readonly name: EnvironmentSpec['target'];
  /** The Pulumi program that provisions one component deployment here. */
  program(deployment: ComponentDeployment): PulumiFn;
  /**
   * The observer of an environment on this target (logs, metrics, health, exec). Locally it fails
   * with RuntimeUnavailableError when the runtime is not running.
   */
  observer(environment: ObservedEnvironment): Promise<Observer>;
  /** What the deployment's components' own outputs do not settle, done once its apply succeeded (aws RDS: the app's database user). */
  afterApply(deployment: ComponentDeployment, outputs: Record<string, { value: unknown }>, heartbeat: () => void): Promise<void>;
  /** How drift reports read this target's recorded fields. */
  readonly drift: DriftRules;
  /** How long the health gate waits between two looks (ms): as often as the target answers cheaply. */
  readonly healthPollMs: number;
  /** How far back the monitor's error rate looks (ms): long enough that the target's figures have arrived. */
  readonly errorRateWindowMs: number;
  /**
   * Besides its valueFrom sources, the components whose outputs a component's program reads (its
   * dependencyOutputs): on aws every dependency (its security group admits the component, its queue
   * grants access); locally none.
   */
  dependencyOutputs(component: { dependsOn: string[] }): string[];
  /** Whether healthy also means running what this release created: aws ECS may put the previous task definition back by itself. */
  readonly gatesOnRelease: boolean;
  /**
   * Whether a drift check may compare the recorded Pulumi state with the observer's settled read
   * instead of running the engine's refresh: true where the refresh would do nothing more than that
   * read (local's dynamic providers); false where only the provider sees the resources (aws).
   */
  readonly driftReadsRecordedState: boolean;
  /**
   * Set where a service's components share one Pulumi stack and each wave is one engine run over
   * them (local: a component is one resource, and starting the engine is most of applying it);
   * unset, each component has a stack of its own (aws). Says what a component exports, from its
   * resource's outputs as the stack records them (the stack has no exports per component).
   */
  readonly serviceStacks?: { exportsOf(outputs: Record<string, unknown>): Record<string, unknown> };
}
