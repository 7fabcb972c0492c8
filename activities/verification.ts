import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ComponentRef } from '../src/model/componentRef';
import type { ReleaseIdentity } from '../src/targets/observer';
import { targetFor } from '../src/targets/targetFor';
import type { HealthGateRequest } from '../src/temporal/deploymentActivities';
import type { ComponentOutputsReader } from './componentOutputs';
import type { DeploymentPorts } from './ports';

/** Verification: the health gate after each wave. */
export function createVerificationActivities(ports: Pick<DeploymentPorts, 'observe'>, outputs: ComponentOutputsReader) {
  /**
   * What each gated MicroService's release created, from its outputs (this run's, else its stack's);
   * undefined for other kinds and for stacks applied before the program exported its task definition.
   */
  const releaseIdentities = (refs: ComponentRef[], run: string | undefined): Promise<(ReleaseIdentity | undefined)[]> =>
    Promise.all(
      refs.map(async (ref) => {
        if (ref.kind !== 'MicroService') return undefined;
        const taskDefinitionArn = (await outputs.read(run, ref)).taskDefinitionArn?.value;
        return typeof taskDefinitionArn === 'string' ? { taskDefinitionArn } : undefined;
      }),
    );

  return {
    /**
     * The health gate: waits until every component reports healthy, or fails with what is not. On
     * aws a MicroService must also run the task definition this release registered: ECS's circuit
     * breaker may have put the previous one back, which no amount of waiting undoes.
     */
    async awaitHealthy(input: HealthGateRequest): Promise<void> {
      const observer = await ports.observe(input.environment);
      const deadline = Date.now() + input.timeoutMs;
      const context = Context.current();
      const target = targetFor(input.environment);
      const releases = target.gatesOnRelease ? await releaseIdentities(input.refs, context.info.workflowExecution?.runId) : [];
      for (;;) {
        const health = await Promise.all(input.refs.map(async (ref, index) => ({ ref, health: await observer.health(ref, releases[index]) })));
        const failing = health.filter((item) => !item.health.healthy);
        if (failing.length === 0) return;
        const final = failing.filter((item) => item.health.final);
        if (final.length || Date.now() > deadline) {
          const described = (final.length ? final : failing).map((item) => `${item.ref.service}/${item.ref.component} (${item.health.summary})`).join(', ');
          throw ApplicationFailure.nonRetryable(final.length ? `not running this release: ${described}` : `not healthy after ${Math.round(input.timeoutMs / 1000)} s: ${described}`, 'HealthGateFailed');
        }
        context.heartbeat();
        await context.sleep(target.healthPollMs);
      }
    },
  };
}
