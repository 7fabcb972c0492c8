import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PulumiFn } from '@pulumi/pulumi/automation';
import { ComponentRef, ComponentStackId, componentRefOfId, pulumiStackName, serviceStackName } from '../src/model/componentRef';
import type { ComponentStacks, MemberOutcome, RunHooks } from '../src/pulumi/componentStacks';
import { environmentVariables } from '../src/model/types';
import { ComponentDeployment, componentDeployment } from '../src/targets/deployment';
import type { ComponentOutputs } from '../src/pulumi/recordedState';
import { resolveValueFrom } from '../src/targets/resolveValueFrom';
import { FinalProvisioningError } from '../src/targets/target';
import { targetFor } from '../src/targets/targetFor';
import type { AppliedComponent, ComponentTask } from '../src/temporal/deploymentActivities';
import type { ComponentOutputsReader } from './componentOutputs';
import { withHeartbeats } from './engineRun';
import { WaveBatches } from './waveBatches';
import type { DeploymentPorts } from './ports';

/** Provisioning: Pulumi `up` and `destroy` of components, in their service's stack or their own. */
export function createProvisioningActivities(ports: Pick<DeploymentPorts, 'stacks' | 'programs' | 'notifier'>, outputs: ComponentOutputsReader) {
  // A cleared lock means an engine was killed in the middle of a change to this component: worth
  // telling the people who watch the service, not only the worker's log.
  const announceStaleLock = (task: ComponentTask) => async (note: string) => {
    await ports.notifier.notify({
      type: 'stale-lock-cleared',
      stack: task.stack,
      environment: task.environment.name,
      service: task.component.service,
      message: `${task.component.id}: ${note}; this deployment went on`,
      workflowId: Context.current().info.workflowExecution?.workflowId,
      at: new Date().toISOString(),
    });
  };

  /**
   * A wave's components of one service stack, applied in one engine run. A component still in a
   * stack of its own (deployed before service stacks) is moved into its service's stack first.
   */
  const waves = new WaveBatches<WaveMember, MemberOutcome>(async (members) => {
    const joined = [...members.values()];
    const service = serviceStackName(joined[0]!.ref);
    for (const member of joined) await ports.stacks.adoptStack(service, pulumiStackName(member.ref));
    const byName = await ports.stacks.upMembers(service, joined.map((member) => ({ name: member.ref.component, program: member.program })), sharedHooks(joined.map((member) => member.hooks)));
    return new Map([...members].map(([id, member]) => [id, byName.get(member.ref.component)!]));
  }, WAVE_GATHER_MS);

  return {
    /** Pulumi `up` of one component; its valueFrom inputs are read from other stacks here, in the worker. */
    async applyComponent(task: ComponentTask): Promise<AppliedComponent> {
      const { stack, environment, component } = task;
      // Only components named by valueFrom have outputs this one reads (on aws, also those it depends
      // on: their security groups and queues admit it); each read is an engine call. A canary step
      // deploys two releases of the component, and each reads its own.
      const target = targetFor(environment.spec);
      const releases = task.canary ? [component, task.canary.stable] : [component];
      const dependencies = [...new Set(releases.flatMap((release) => target.dependencyOutputs(release)))];
      const sources = [...new Set([...releases.flatMap((release) => environmentVariables(release).flatMap((variable) => ('valueFrom' in variable ? [variable.valueFrom.component] : []))), ...dependencies])];
      const run = Context.current().info.workflowExecution?.runId;
      const read = await Promise.all(sources.map((source) => outputs.read(run, componentRefOfId(stack, environment.name, source))));
      const sourceOutputs = new Map(sources.map((source, index) => [source, read[index]!]));
      const deploymentOf = (release: typeof component) =>
        componentDeployment(stack, environment, release, {
          resolved: resolveValueFrom(release, (source) => sourceOutputs.get(source)),
          dependencyOutputs: Object.fromEntries(target.dependencyOutputs(release).map((id) => [id, publicOutputs(sourceOutputs.get(id))])),
        });
      const deployment = task.canary ? { ...deploymentOf(component), canary: { weight: task.canary.weight, stable: deploymentOf(task.canary.stable) } } : deploymentOf(component);
      const program = ports.programs.programFor(deployment);
      const outcome = await withHeartbeats(async (hooks) => {
        if (!target.serviceStacks) return ports.stacks.up(pulumiStackName(deployment.ref), program, {}, hooks);
        // A canary step goes alone: the rest of its wave does not wait for its steps.
        const together = task.canary ? [component.id] : (task.wave ?? [component.id]);
        const result = await waves.join(stackKey(serviceStackName(deployment.ref)), component.id, together, { ref: deployment.ref, program, hooks });
        if (result.error) throw result.error;
        return result.applied;
      }, announceStaleLock(task));
      if (run) outputs.remember(run, deployment.ref, outcome.allOutputs);
      await target.afterApply(deployment, outcome.allOutputs, () => Context.current().heartbeat()).catch((error: unknown) => {
        throw error instanceof FinalProvisioningError ? ApplicationFailure.nonRetryable(error.message, error.type) : error;
      });
      return { durationMs: outcome.durationMs, changes: outcome.changes };
    },

    /** Removes a component's resources and its stack (a component gone from the repo, or a rolled-back create). */
    async removeComponent(task: ComponentTask): Promise<void> {
      const { stack, environment, component } = task;
      const deployment = componentDeployment(stack, environment, component);
      await withHeartbeats((hooks) => destroyComponent(ports.stacks, deployment, ports.programs.programFor(deployment), hooks), announceStaleLock(task));
    },
  };
}

/** A dependency's outputs without its secrets: security group ids, ports and ARNs are all a program needs. */
export function publicOutputs(outputs: ComponentOutputs | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(outputs ?? {}).flatMap(([name, output]) => (output.secret ? [] : [[name, String(output.value)]])));
}

/**
 * Removes a component's resources wherever they are: in its service's stack (moved there first
 * from a stack of its own of before), or in its own stack where its target keeps one per component.
 */
export async function destroyComponent(stacks: ComponentStacks, deployment: ComponentDeployment, program: PulumiFn, hooks: RunHooks = {}): Promise<void> {
  if (!targetFor(deployment.environment).serviceStacks) return stacks.destroy(pulumiStackName(deployment.ref), program, hooks);
  const service = serviceStackName(deployment.ref);
  await stacks.adoptStack(service, pulumiStackName(deployment.ref));
  await stacks.destroyMembers(service, [deployment.ref.component], hooks);
}

/** How long a wave's first component waits for the others to reach this worker: they are scheduled together. */
const WAVE_GATHER_MS = 1000;

interface WaveMember {
  ref: ComponentRef;
  program: PulumiFn;
  hooks: RunHooks;
}

function stackKey(id: ComponentStackId): string {
  return `${id.project}/${id.stack}`;
}

/**
 * One engine run's hooks for the activities that share it: progress goes to every one (each
 * heartbeats), and the engine is interrupted only once every one of them asks (a deployment's
 * cancellation cancels all of its activities; one attempt timing out leaves the others' work).
 */
function sharedHooks(hooks: RunHooks[]): RunHooks {
  const whenAll = (signals: (AbortSignal | undefined)[]) => {
    const all = new AbortController();
    const check = () => signals.every((signal) => signal?.aborted) && all.abort();
    for (const signal of signals) signal?.addEventListener('abort', check, { once: true });
    return all.signal;
  };
  return {
    signal: whenAll(hooks.map((each) => each.signal)),
    terminate: whenAll(hooks.map((each) => each.terminate)),
    onProgress: (progress) => hooks.forEach((each) => each.onProgress?.(progress)),
    onStaleLockCleared: (note) => hooks[0]?.onStaleLockCleared?.(note),
  };
}
