// Used by deployService; not a workflow itself, so workflows/index.ts does not export it.
import { log, patched } from '@temporalio/workflow';
import type { EnvironmentSpec } from '../src/model/schema';
import { quick } from './activityOptions';

/**
 * Creates or updates the stack's drift Schedule after a successful deployment, from the
 * environment's drift settings. Best effort: the deployment has succeeded whatever happens here, so
 * a failure is logged, never turned into a rollback. The patch marker keeps deployments recorded
 * before this step existed replayable.
 */
export async function keepDriftSchedule(stack: string, environment: { name: string; spec: EnvironmentSpec }): Promise<void> {
  if (!patched('drift-schedule')) return;
  try {
    await quick.ensureDriftSchedule({ stack, environment: environment.name, drift: environment.spec.drift });
  } catch (error) {
    log.warn('drift schedule not created or updated', { stack, environment: environment.name, error: error instanceof Error ? error.message : String(error) });
  }
}
