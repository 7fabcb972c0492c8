import type { PulumiFn } from '@pulumi/pulumi/automation';
import type { ComponentDeployment } from './deployment';
import { localProgram } from './local/programs';

/** The worker's program catalogue: the environment's target turns a component deployment into a Pulumi program. */
export const programCatalogue = {
  programFor(kind: string, spec: unknown): PulumiFn {
    const deployment = spec as ComponentDeployment;
    if (deployment.kind !== kind) throw new Error(`component ${deployment.ref.service}/${deployment.ref.component} is a ${deployment.kind}, not a ${kind}`);
    const target = deployment.environment.target;
    if (target === 'local') return localProgram(deployment);
    // @pulumi/aws takes most of a second to load: only workers that deploy to aws pay for it.
    if (target === 'aws') return async () => (await import('./aws/programs')).awsProgram(deployment)();
    throw new Error(`environment ${deployment.ref.environment} targets ${target}, which this worker cannot provision yet`);
  },
};
