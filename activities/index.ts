import { createDeploymentActivities, DeploymentPorts } from './deployment';
import { createDriftActivities, DriftPorts } from './drift';
import { createReleaseReadActivities } from './releaseReads';
import { createTrustActivities, TrustPorts } from './trust';

export type { ProgramCatalogue } from './ports';

export type ActivityPorts = DeploymentPorts & DriftPorts & TrustPorts;

/** Activities over injected ports, so tests pass real or fake parts (see worker/ for production wiring). */
export function createActivities(ports: ActivityPorts) {
  return {
    ...createDeploymentActivities(ports),
    ...createDriftActivities(ports),
    ...createTrustActivities(ports),
    ...createReleaseReadActivities(ports),
  };
}

export type DeployerActivities = ReturnType<typeof createActivities>;
