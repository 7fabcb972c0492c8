import { DatabaseUserError } from '../../errors';
import type { Observer } from '../observer';
import { FinalProvisioningError, Target } from '../target';
import { awsDeletedResource, awsSpecField } from './driftFields';

// One observer per region and platform for the process's life: its SDK clients keep their
// connections and credentials between polls (the health gate, the monitor, Slack's /deployer status).
const observers = new Map<string, Observer>();

/** ECS Fargate, RDS, ElastiCache and SQS in the environment's account and region, through @pulumi/aws. */
export const awsTarget: Target = {
  name: 'aws',
  // @pulumi/aws takes most of a second to load: only workers that deploy to aws pay for it.
  program: (deployment) => async () => (await import('./programs')).awsProgram(deployment)(),
  async observer(environment) {
    const key = JSON.stringify([environment.region, environment.platform]);
    let observer = observers.get(key);
    if (!observer) {
      const { AwsObserver } = await import('./awsObserver');
      observers.set(key, (observer = new AwsObserver({ region: environment.region, platform: environment.platform })));
    }
    return observer;
  },
  async afterApply(deployment, outputs, heartbeat) {
    // RDS: the app's own database user, created by a one-off task the program defined (dbUsers.ts).
    if (deployment.kind !== 'RDS') return;
    const { ensureAppUser } = await import('./dbUsers');
    await ensureAppUser(outputs, { region: deployment.environment.region }, heartbeat).catch((error: unknown) => {
      throw error instanceof DatabaseUserError ? new FinalProvisioningError(error.message, 'DatabaseUserFailed') : error;
    });
  },
  drift: { specField: awsSpecField, deletedResource: awsDeletedResource, autoscales: true },
  // Each poll is several ECS/ELB calls, which AWS throttles.
  healthPollMs: 5000,
  // ALB figures come as one-minute points that arrive minutes late: a minute back would see nothing and never breach.
  errorRateWindowMs: 300_000,
  dependencyOutputs: (component) => component.dependsOn,
  gatesOnRelease: true,
  driftReadsRecordedState: false,
};
