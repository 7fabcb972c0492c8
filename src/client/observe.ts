// What runs of a component, asked of its environment's target (the local runtime, or AWS), with
// runtime failures turned into errors that say what to do and secret outputs masked. Shared by the
// CLI's observation commands and the Slack app's status.
import path from 'node:path';
import { loadEnvironment } from '../model/loadRepo';
import type { EnvironmentSpec } from '../model/schema';
import type { ComponentRef } from '../model/componentRef';
import type { ComponentState, Observer } from '../targets/observer';
import { AwsObserverError, DeployerError, RuntimeRequestFailed } from '../errors';
import { applyNextStep } from './applyCommand';
import { listDirs, unknownEnvironment } from './locate';

/** The environment's validated spec; an unknown name is a usage error naming the environments. */
export function requireEnvironment(root: string, name: string): EnvironmentSpec {
  const spec = loadEnvironment(root, name);
  if (spec) return spec;
  throw unknownEnvironment(name, listDirs(path.join(root, 'environments'), true));
}

/** The observer of the environment's target: the local runtime, or CloudWatch/ECS/ELB in the environment's region. */
export async function observerFor(environment: EnvironmentSpec): Promise<Observer> {
  const { targetFor } = await import('../targets/targetFor');
  try {
    return await targetFor(environment).observer(environment);
  } catch (error) {
    throw observeFailure(error);
  }
}

export function notDeployed(ref: ComponentRef, detail?: string): DeployerError {
  return new DeployerError(
    `${ref.service}/${ref.component} is not deployed to ${ref.environment} (stack ${ref.stack})${detail ? `: ${detail}` : ''}. Deploy it first: ${applyNextStep(ref)}`,
    'NOT_DEPLOYED',
  );
}

/** Runtime failures as errors that say what to do; anything else passes through. */
export function observeFailure(error: unknown, ref?: ComponentRef): unknown {
  if (error instanceof RuntimeRequestFailed && error.status === 404 && ref) return notDeployed(ref, error.message);
  if (error instanceof RuntimeRequestFailed) return new DeployerError(`the local runtime refused the request: ${error.message}`, 'RUNTIME_ERROR');
  if (error instanceof AwsObserverError && error.reason === 'not-found' && ref) return notDeployed(ref, error.message);
  return error;
}

/** Runs `action`, mapping runtime failures with observeFailure. */
export async function observing<T>(ref: ComponentRef, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw observeFailure(error, ref);
  }
}

/** Shown in place of a secret output's value, in text and in --json. */
export const SECRET = '(secret)';

/**
 * What runs of the component, if anything, with every output its target marks secret (the RDS
 * password) replaced by SECRET. Commands read state only through here, so none can print a secret,
 * whichever way it renders the state.
 */
export async function observedState(observer: Observer, ref: ComponentRef): Promise<ComponentState | undefined> {
  const state = await observing(ref, () => observer.state(ref));
  return state && withoutSecrets(state);
}

export function withoutSecrets(state: ComponentState): ComponentState {
  return { ...state, outputs: Object.fromEntries(Object.entries(state.outputs).map(([name, value]) => [name, state.secretOutputs.includes(name) ? SECRET : value])) };
}

/** What runs of the component now (secrets masked); NOT_DEPLOYED (with the apply to run) when nothing does. */
export async function deployedState(observer: Observer, ref: ComponentRef): Promise<ComponentState> {
  const state = await observedState(observer, ref);
  if (!state) throw notDeployed(ref);
  return state;
}
