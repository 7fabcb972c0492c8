import type { Deployment, Service } from '@aws-sdk/client-ecs';

/** `family:revision`, the part of a task definition ARN people recognise. */
function taskDefinitionName(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

function describeFailure(deployment: Deployment): string {
  const id = deployment.id ? ` ${deployment.id}` : '';
  return `ECS deployment${id} of ${taskDefinitionName(deployment.taskDefinition ?? 'this release')} failed${deployment.rolloutStateReason ? `: ${deployment.rolloutStateReason}` : ''}`;
}

/**
 * Why the service does not run the release whose program registered `taskDefinitionArn`, or
 * undefined when it does. With the circuit breaker's rollback, a release whose tasks never get
 * healthy ends with ECS back on the previous task definition while `waitForSteadyState` reports success, so
 * the PRIMARY deployment alone says nothing about this release: it must run this release's task
 * definition, and none of its deployments may have failed. Either problem is final: ECS does not
 * retry a rolled-back deployment, so waiting longer cannot make the release healthy.
 */
export function releaseProblem(service: Service, taskDefinitionArn: string): string | undefined {
  const deployments = service.deployments ?? [];
  const ours = deployments.filter((deployment) => deployment.taskDefinition === taskDefinitionArn);
  const failed = ours.find((deployment) => deployment.rolloutState === 'FAILED');
  const primary = deployments.find((deployment) => deployment.status === 'PRIMARY');
  const running = primary?.taskDefinition ?? service.taskDefinition;
  const problems: string[] = [];
  if (running && running !== taskDefinitionArn) {
    problems.push(`ECS runs ${taskDefinitionName(running)}, not this release's ${taskDefinitionName(taskDefinitionArn)} (the circuit breaker rolled it back, or another deployment replaced it)`);
  }
  if (failed) problems.push(describeFailure(failed));
  return problems.length ? problems.join('; ') : undefined;
}
