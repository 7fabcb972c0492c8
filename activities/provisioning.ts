import { ApplicationFailure, Context } from '@temporalio/activity';
import { componentRefOfId, pulumiStackName } from '../src/model/componentRef';
import { environmentVariables } from '../src/model/types';
import { componentDeployment } from '../src/targets/deployment';
import type { ComponentOutputs } from '../src/pulumi/recordedState';
import { resolveValueFrom } from '../src/targets/resolveValueFrom';
import { FinalProvisioningError } from '../src/targets/target';
import { targetFor } from '../src/targets/targetFor';
import type { AppliedComponent, ComponentTask } from '../src/temporal/deploymentActivities';
import type { ComponentOutputsReader } from './componentOutputs';
import { withHeartbeats } from './engineRun';
import type { DeploymentPorts } from './ports';

/** Provisioning: Pulumi `up` and `destroy` of one component's stack. */
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
      const outcome = await withHeartbeats((hooks) => ports.stacks.up(pulumiStackName(deployment.ref), ports.programs.programFor(deployment), {}, hooks), announceStaleLock(task));
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
      await withHeartbeats((hooks) => ports.stacks.destroy(pulumiStackName(deployment.ref), ports.programs.programFor(deployment), hooks), announceStaleLock(task));
    },
  };
}

/** A dependency's outputs without its secrets: security group ids, ports and ARNs are all a program needs. */
export function publicOutputs(outputs: ComponentOutputs | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(outputs ?? {}).flatMap(([name, output]) => (output.secret ? [] : [[name, String(output.value)]])));
}
