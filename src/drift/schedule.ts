import { Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOptions, ScheduleOverlapPolicy, ScheduleUpdateOptions } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { durationMs } from '../model/duration';
import type { EnvironmentSpec } from '../model/schema';
import { SEARCH_ATTRIBUTE_KEYS } from '../temporal/searchAttributes';
import { DetectDriftInput, DETECT_DRIFT_WORKFLOW, driftScheduleId } from '../temporal/drift';

export interface DriftScheduleRequest {
  stack: string;
  environment: string;
  drift: EnvironmentSpec['drift'];
  /** The worker's task queue: scheduled runs go to the workers that deploy. */
  taskQueue: string;
}

/** The most a run starts late on purpose (see driftScheduleJitter). */
const MAX_JITTER_MS = 5 * 60_000;

/**
 * When it runs: the cron `schedule` when the environment gives one, else every `interval` (default
 * 1h; the schema admits only `30m`-style durations); each run a random delay later (jitter).
 */
export function driftScheduleSpec(drift: EnvironmentSpec['drift']): ScheduleOptions['spec'] {
  const jitter = driftScheduleJitter(drift);
  return drift.schedule ? { cronExpressions: [drift.schedule], jitter } : { intervals: [{ every: drift.interval as Duration }], jitter };
}

/**
 * Every stack and environment has its own Schedule, and with the same interval they would all fall
 * due together (every hour on the hour): Temporal delays each run by a random part of this, a tenth
 * of the interval up to 5 minutes, so sweeps spread out rather than all competing with deployments at
 * once. A cron expression has no one interval: a minute.
 */
export function driftScheduleJitter(drift: EnvironmentSpec['drift']): Duration {
  const ms = drift.schedule ? 60_000 : Math.min(durationMs(drift.interval) / 10, MAX_JITTER_MS);
  return Math.round(ms);
}

/** Human note shown in the Temporal UI: what runs, how often, and where that is set. */
export function driftScheduleNote(request: Pick<DriftScheduleRequest, 'stack' | 'environment' | 'drift'>): string {
  const when = request.drift.schedule ? `on cron "${request.drift.schedule}" (drift.schedule)` : `every ${request.drift.interval} (drift.interval)`;
  return `deployer drift detection of ${request.stack} in ${request.environment}, ${when} of environments/${request.environment}.yaml; updated by each successful deployment.`;
}

/**
 * The Schedule: start detectDrift for the stack and environment on the worker's task queue; a run
 * still going when the next is due makes that one skip (overlap SKIP); after an outage only a run
 * missed by at most a minute is made up.
 */
export function driftScheduleOptions(request: DriftScheduleRequest): ScheduleOptions {
  const input: DetectDriftInput = { stack: request.stack, environment: request.environment, trigger: 'schedule' };
  return {
    scheduleId: driftScheduleId(request.stack, request.environment),
    spec: driftScheduleSpec(request.drift),
    action: {
      type: 'startWorkflow',
      workflowType: DETECT_DRIFT_WORKFLOW,
      workflowId: driftScheduleId(request.stack, request.environment),
      taskQueue: request.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTE_KEYS.Stack, value: request.stack },
        { key: SEARCH_ATTRIBUTE_KEYS.Environment, value: request.environment },
      ],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    state: { note: driftScheduleNote(request) },
  };
}

/**
 * Creates the Schedule, or brings an existing one up to date (spec, action, policies) while keeping
 * whether someone paused it. Two deployments racing to create it both end with it updated.
 */
export async function upsertDriftSchedule(client: Client, request: DriftScheduleRequest): Promise<{ scheduleId: string; created: boolean }> {
  const options = driftScheduleOptions(request);
  const update = () =>
    client.schedule.getHandle(options.scheduleId).update(
      (previous): ScheduleUpdateOptions => ({
        spec: options.spec,
        action: options.action,
        policies: options.policies,
        state: { paused: previous.state.paused, note: previous.state.paused ? previous.state.note : options.state?.note },
      }),
    );
  try {
    await update();
    return { scheduleId: options.scheduleId, created: false };
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  try {
    await client.schedule.create(options);
    return { scheduleId: options.scheduleId, created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await update();
    return { scheduleId: options.scheduleId, created: false };
  }
}
