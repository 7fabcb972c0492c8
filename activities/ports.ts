import type { PulumiFn } from '@pulumi/pulumi/automation';
import type { ComponentDeployment } from '../src/targets/deployment';

/** Port: the targets' Pulumi programs (local dynamic providers, or @pulumi/aws). */
export interface ProgramCatalogue {
  programFor(deployment: ComponentDeployment): PulumiFn;
}
