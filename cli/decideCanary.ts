import { Flags } from '@oclif/core';
import type { CanaryProgress } from '../src/releases/canary';
import type { DeploymentProgress } from '../src/temporal/deployment';
import { DeployerError } from '../src/errors';
import { decideOnDeployment, decisionFlags, DecisionFlags } from './decideApproval';
import { sendSignedCanaryDecision } from './signing';

/** Flags `promote` and `abort` share: which deployment, and which of its canaries when it runs several. */
export const canaryFlags = {
  ...decisionFlags,
  component: Flags.string({ description: "The MicroService whose canary it is (`<component>` or `<service>/<component>`); needed only when the deployment runs several." }),
  comment: Flags.string({ description: 'Recorded with the decision.' }),
};

export type CanaryAction = 'promote' | 'abort';

/**
 * The canary a decision is about: for promote, the one waiting at a manual step; for abort, any
 * that runs. Named by --component when the deployment runs several.
 */
export function canaryToDecide(progress: Pick<DeploymentProgress, 'canaries' | 'service' | 'environment'>, action: CanaryAction, component?: string): { component: string; step: number } {
  const running = (progress.canaries ?? []).filter((canary) => canary.state === 'running');
  const candidates = action === 'promote' ? running.filter((canary) => currentStep(canary)?.waiting?.manual) : running;
  const wanted = component && (component.includes('/') ? component : `${progress.service}/${component}`);
  const chosen = wanted ? candidates.filter((canary) => canary.component === wanted) : candidates;
  const what = action === 'promote' ? 'waits for promotion' : 'runs';
  if (chosen.length === 0) {
    const others = candidates.map((canary) => canary.component);
    throw new DeployerError(
      `no canary of ${wanted ?? progress.service} ${what} in ${progress.environment}${others.length ? ` (one of ${others.join(', ')} does: name it with --component)` : ''}${action === 'promote' && running.length ? '; a canary between timed steps promotes itself when its analysis passes' : ''}`,
      'NOT_WAITING',
    );
  }
  if (chosen.length > 1) throw new DeployerError(`several canaries ${action === 'promote' ? 'wait for promotion' : 'run'}: ${chosen.map((canary) => canary.component).join(', ')}; name one with --component`, 'AMBIGUOUS_CANARY');
  const canary = chosen[0]!;
  return { component: canary.component, step: currentStep(canary)!.step };
}

function currentStep(canary: CanaryProgress) {
  return canary.steps[canary.steps.length - 1];
}

/** Sends a signed promote or abort to the deployment's canary; the workflow's validator decides who may. */
export function decideCanary(flags: DecisionFlags & { component?: string }, action: CanaryAction, comment?: string): Promise<CanaryProgress & { workflowId: string }> {
  return decideOnDeployment(flags, { refused: action, notRunning: 'runs' }, (client, progress, identity, root) =>
    sendSignedCanaryDecision(client, progress, canaryToDecide(progress, action, flags.component), { approve: action === 'promote', by: identity, comment }, root),
  );
}
