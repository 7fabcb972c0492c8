// What to run next, as data: results carry it (`nextSteps`, also in --json) so a script or a CI job
// can act on what a person reads in the text output's hints.
import type { DeployServiceResult } from '../src/temporal/deployment';
import type { DetectDriftResult, RemediateDriftResult } from '../src/temporal/drift';

export interface NextStep {
  command: string;
  why: string;
}

interface ServiceScope {
  service: string;
  environment: string;
}

/** Following a deployment (or a rollback, which is one) started with --no-wait. */
export function followNextSteps(scope: ServiceScope | { stack: string; environment: string }): NextStep[] {
  const selector = 'service' in scope ? `--service ${scope.service}` : `--stack ${scope.stack}`;
  return [{ command: `deployer status ${selector} --environment ${scope.environment} --follow`, why: 'follow it until it ends' }];
}

/**
 * After a deployment of a service ended: watch it when it succeeded (its main MicroService's metrics
 * and logs, else the service's status), see what happened when it was rolled back.
 */
export function deploymentNextSteps(result: DeployServiceResult, mainComponent: string | undefined, environment: string): NextStep[] {
  const { service } = result.progress;
  switch (result.phase) {
    case 'succeeded':
      return mainComponent
        ? [
            { command: `deployer metrics --component ${mainComponent} --environment ${environment}`, why: 'monitor its metrics' },
            { command: `deployer logs --component ${mainComponent} --environment ${environment} --follow`, why: 'view its logs' },
          ]
        : [{ command: `deployer status --service ${service} --environment ${environment}`, why: 'see what runs' }];
    case 'rolled-back':
      return [{ command: `deployer show --component ${mainComponent ?? `${service}/<component>`} --environment ${environment} --show-events`, why: 'see why it was rolled back' }];
    default:
      return [];
  }
}

/** After a drift check that found drift: restore, accept or ignore it, for each drifted service. */
export function driftNextSteps(result: DetectDriftResult): NextStep[] {
  return result.services.flatMap((report) => {
    const drifted = report.components.filter((component) => component.status === 'drifted' || component.status === 'deleted');
    if (!drifted.length) return [];
    const scope = `--service ${report.service} --environment ${result.environment}`;
    const first = drifted.find((component) => component.status === 'drifted' && component.fields.length);
    const ignore = first ? `--component ${first.name} --field ${first.fields[0]!.field}` : '--component COMPONENT --field FIELD';
    return [
      { command: `deployer drift remediate ${scope}`, why: 'restore what was deployed' },
      { command: `deployer drift acknowledge ${scope}`, why: 'write what runs into the deployment repo' },
      { command: `deployer drift ignore ${scope} ${ignore}`, why: 'stop reporting a field that may differ' },
    ];
  });
}

/** After a remediation that left something drifted: look again. */
export function remediateNextSteps(result: RemediateDriftResult, scope: ServiceScope): NextStep[] {
  const still = result.after?.components.some((component) => component.status === 'drifted' || component.status === 'deleted');
  return still ? [{ command: `deployer drift detect --service ${scope.service} --environment ${scope.environment}`, why: 'see what still differs' }] : [];
}
