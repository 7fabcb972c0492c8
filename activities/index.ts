import { createCanaryActivities } from './canary';
import { ComponentOutputsReader } from './componentOutputs';
import { createDriftActivities } from './drift';
import { createMonitoringActivities } from './monitoring';
import { createNotificationActivities } from './notifications';
import { createPlanningActivities } from './planning';
import type { ActivityPorts } from './ports';
import { createProvisioningActivities } from './provisioning';
import { createReleaseReadActivities } from './releaseReads';
import { createReleaseActivities } from './releases';
import { createServiceTestActivities } from './serviceTests';
import { createTrustActivities } from './trust';
import { createVerificationActivities } from './verification';
import { localTarget } from '../src/targets/local/localTarget';

/**
 * Activities over injected ports, so tests pass real or fake parts (see worker/ for production
 * wiring). Their names are what workflows call, running ones included: renaming one breaks them.
 */
export function createActivities(ports: ActivityPorts) {
  // Only the local target keeps a service's components in one stack.
  const outputs = new ComponentOutputsReader(ports.stacks, localTarget.serviceStacks!.exportsOf);
  return {
    ...createPlanningActivities(ports),
    ...createProvisioningActivities(ports, outputs),
    ...createVerificationActivities(ports, outputs),
    ...createMonitoringActivities(ports),
    ...createCanaryActivities(ports),
    ...createServiceTestActivities(ports, outputs),
    ...createReleaseActivities(ports),
    ...createNotificationActivities(ports),
    ...createDriftActivities(ports),
    ...createTrustActivities(ports),
    ...createReleaseReadActivities(ports),
  };
}

export type DeployerActivities = ReturnType<typeof createActivities>;
