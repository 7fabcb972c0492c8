// `deployer local scale`: where the component is (from the deployment repo), and the out-of-band
// change itself through the local runtime. Kept apart from the oclif command so it can be tested
// without a CLI process or a runtime.
import path from 'node:path';
import { loadEnvironment } from '../src/model/loadRepo';
import type { ComponentRef } from '../src/model/componentRef';
import type { ComponentState } from '../src/targets/local/api';
import { componentPath } from '../src/targets/local/localObserver';
import { scaleOutsideDeployer } from '../src/targets/local/outOfBand';
import { RuntimeClient } from '../src/targets/local/runtimeClient';
import { componentKind, listDirs, listing, locateComponent, unknownEnvironment } from '../src/client/locate';
import { DeployerError, RuntimeRequestFailed } from '../src/errors';

export interface ScaleTargetOptions {
  root: string;
  /** `<service>/<component>`. */
  component: string;
  environment: string;
  stack?: string;
}

/**
 * The component `local scale` acts on, checked against the deployment repo: the environment exists
 * and runs on the local target, the stack holds the service (found from the service when --stack is
 * omitted), and the component is a MicroService. Every refusal is a usage error naming the candidates.
 */
export function resolveScaleTarget(options: ScaleTargetOptions): ComponentRef {
  checkLocalEnvironment(options.root, options.environment);
  const { stack, service, component, componentsDir, kind } = locateComponent(options.root, options.component, options.stack);
  if (kind !== 'MicroService') {
    const microServices = listDirs(componentsDir).filter((name) => componentKind(path.join(componentsDir, name)) === 'MicroService');
    throw new DeployerError(
      `${service}/${component} is ${kind ? `an ${kind}` : 'not a MicroService'}; only a MicroService has replicas to scale. MicroServices of ${service}: ${listing(microServices)}.`,
      'NOT_SCALABLE',
    );
  }
  return { stack, environment: options.environment, service, component };
}

/** The environment must exist and run on the local target: only there is an out-of-band change this command's to make. */
export function checkLocalEnvironment(root: string, environment: string): void {
  const spec = loadEnvironment(root, environment);
  const names = () => listDirs(path.join(root, 'environments'), true);
  if (!spec) {
    throw unknownEnvironment(environment, names());
  }
  if (spec.target !== 'local') {
    const local = names().filter((name) => {
      try {
        return loadEnvironment(root, name)?.target === 'local';
      } catch {
        return false;
      }
    });
    throw new DeployerError(
      `environment ${environment} targets ${spec.target}, not local: \`deployer local scale\` changes only what the local runtime runs. ` +
        `Environments on the local target: ${listing(local)}.`,
      'NOT_LOCAL',
    );
  }
}

/** What a scale did: the counts before and after, and the runtime's state of the component now. */
export interface ScaleOutcome {
  ref: ComponentRef;
  from: number;
  to: number;
  /** False when the component already ran that many replicas (nothing was sent). */
  changed: boolean;
  actor: string;
  state: ComponentState;
}

export interface ScaleOptions {
  /** The runtime to ask; the one `deployer dev start` runs by default. */
  connect?: () => RuntimeClient;
  /** Called when the runtime has the component and the change is about to be sent (the runtime answers once it has converged). */
  onScaling?: (from: number, to: number) => void;
}

/** The reason the runtime records in the component's events: who, how, and that deployer was bypassed. */
export function outOfBandReason(actor: string): string {
  return `by ${actor} with \`deployer local scale\`, outside deployer`;
}

/**
 * Sets the desired replica count in the runtime directly, as someone in a cloud console would,
 * and waits until the runtime has converged. Runtime failures become DeployerErrors that say what to do.
 */
export async function scaleComponent(ref: ComponentRef, replicas: number, actor: string, options: ScaleOptions = {}): Promise<ScaleOutcome> {
  try {
    const client = (options.connect ?? (() => RuntimeClient.connect()))();
    const before = await client.request<ComponentState>('GET', componentPath(ref));
    if (before.kind !== 'MicroService') {
      throw new DeployerError(`${ref.service}/${ref.component} runs on the local target as an ${before.kind}; only a MicroService has replicas to scale.`, 'NOT_SCALABLE');
    }
    const from = replicasOf(before);
    if (from === replicas) return { ref, from, to: replicas, changed: false, actor, state: before };
    options.onScaling?.(from, replicas);
    const state = await scaleOutsideDeployer(ref, replicas, outOfBandReason(actor), client);
    return { ref, from, to: replicas, changed: true, actor, state };
  } catch (error) {
    throw runtimeFailure(error, ref);
  }
}

/** The human output: an unmistakable warning that deployer was bypassed, and how it comes back. */
export function renderScale(outcome: ScaleOutcome): string {
  const { ref, from, to } = outcome;
  const id = `${ref.service}/${ref.component}`;
  if (!outcome.changed) return `${id} in ${ref.environment} already runs ${to} ${replicasWord(to)} on the local target; nothing changed.`;
  const healthy = outcome.state.status.healthyReplicas ?? 0;
  return [
    `⚠ Out-of-band change: scaled ${id} in ${ref.environment} from ${from} to ${to} ${replicasWord(to)}, bypassing deployer.`,
    `  ${healthy}/${to} ${replicasWord(to)} healthy now; the runtime's events record the change as made by ${outcome.actor}.`,
    `  \`deployer drift detect --service ${ref.service} --environment ${ref.environment}\` reports it as drift; \`deployer drift remediate --service ${ref.service} --environment ${ref.environment}\` restores the released count.`,
  ].join('\n');
}

function replicasOf(state: ComponentState): number {
  const replicas = state.actual.replicas;
  return typeof replicas === 'number' ? replicas : (state.status.desiredReplicas ?? 0);
}

function runtimeFailure(error: unknown, ref: ComponentRef): unknown {
  if (error instanceof RuntimeRequestFailed && error.status === 404) {
    return new DeployerError(
      `${error.message}. Deploy it first (\`deployer apply --stack ${ref.stack} --environment ${ref.environment}\`), then scale it.`,
      'NOT_DEPLOYED',
    );
  }
  if (error instanceof RuntimeRequestFailed) {
    return new DeployerError(`the local runtime could not scale ${ref.service}/${ref.component}: ${error.message}`, 'SCALE_FAILED');
  }
  return error;
}

function replicasWord(count: number): string {
  return count === 1 ? 'replica' : 'replicas';
}

