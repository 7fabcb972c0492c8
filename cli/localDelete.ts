// `deployer local delete`: an out-of-band deletion of a component from the local runtime, as someone
// deleting the resource in a cloud console would. Kept apart from the oclif command for tests.
import type { ComponentKind } from '../src/model/schema';
import type { ComponentRef } from '../src/model/componentRef';
import type { ComponentState } from '../src/targets/local/api';
import { componentPath } from '../src/targets/local/localObserver';
import { deleteOutsideDeployer } from '../src/targets/local/outOfBand';
import { RuntimeClient } from '../src/targets/local/runtimeClient';
import { checkLocalEnvironment } from './localScale';
import { locateComponent } from '../src/client/locate';
import { DeployerError, RuntimeRequestFailed } from '../src/errors';

/** Kinds whose data goes with them: deleting one needs --force. */
const DATA_KINDS: ComponentKind[] = ['RDS', 'ElastiCacheRedis', 'SQS'];

export interface DeleteTargetOptions {
  root: string;
  component: string;
  environment: string;
  stack?: string;
}

/** The component to delete, checked against the deployment repo (environment on the local target, stack, component). */
export function resolveDeleteTarget(options: DeleteTargetOptions): { ref: ComponentRef; kind: ComponentKind } {
  checkLocalEnvironment(options.root, options.environment);
  const { stack, service, component, kind } = locateComponent(options.root, options.component, options.stack);
  if (!kind) throw new DeployerError(`${service}/${component} has no component file in the deployment repo`, 'UNKNOWN_COMPONENT');
  return { ref: { stack, environment: options.environment, service, component }, kind };
}

export interface DeleteOutcome {
  ref: ComponentRef;
  kind: ComponentKind;
  actor: string;
  /** What ran before: the runtime's state of the component. */
  before: ComponentState;
}

/** Deletes the component in the runtime directly (its processes stop, its data goes); Pulumi and deployer are not told. */
export async function deleteComponent(target: { ref: ComponentRef; kind: ComponentKind }, actor: string, options: { force?: boolean; connect?: () => RuntimeClient } = {}): Promise<DeleteOutcome> {
  const { ref, kind } = target;
  if (DATA_KINDS.includes(kind) && !options.force) {
    throw new DeployerError(`${ref.service}/${ref.component} is an ${kind}: deleting it deletes its data too, as deleting it in the console would. Pass --force to do it anyway.`, 'FORCE_REQUIRED');
  }
  try {
    const client = (options.connect ?? (() => RuntimeClient.connect()))();
    const before = await client.request<ComponentState>('GET', componentPath(ref));
    await deleteOutsideDeployer(ref, client);
    return { ref, kind, actor, before };
  } catch (error) {
    if (error instanceof RuntimeRequestFailed && error.status === 404) {
      throw new DeployerError(`${ref.service}/${ref.component} does not run in ${ref.environment} on the local target; nothing to delete.`, 'NOT_DEPLOYED');
    }
    if (error instanceof RuntimeRequestFailed) throw new DeployerError(`the local runtime could not delete ${ref.service}/${ref.component}: ${error.message}`, 'DELETE_FAILED');
    throw error;
  }
}

/** An unmistakable warning that deployer was bypassed, and how to see and undo it. */
export function renderDelete(outcome: DeleteOutcome): string {
  const id = `${outcome.ref.service}/${outcome.ref.component}`;
  const scope = `--service ${outcome.ref.service} --environment ${outcome.ref.environment}`;
  return [
    `⚠ Out-of-band change: deleted ${id} (${outcome.kind}) in ${outcome.ref.environment} from the local runtime, bypassing deployer (by ${outcome.actor}).`,
    `  Its processes are stopped${DATA_KINDS.includes(outcome.kind) ? ' and its data is gone' : ''}; deployer's release and Pulumi's state still say it exists.`,
    `  \`deployer drift detect ${scope}\` reports it (high severity); \`deployer drift remediate ${scope}\` recreates it.`,
  ].join('\n');
}
