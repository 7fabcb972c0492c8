import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DeployerActivities } from '../../activities';

type ActivityName = keyof DeployerActivities;
type Input<N extends ActivityName> = Parameters<DeployerActivities[N]>[0];

/** One activity call as a workflow made it: the activity's name and its input. */
export interface ActivityCall<N extends ActivityName = ActivityName> {
  name: N;
  input: Input<N>;
}

/**
 * Every activity the deployer registers, faked: each call is logged in order, then answered by the
 * test's behaviour for that activity. An activity the test gave no behaviour fails without retry,
 * so a workflow that calls something unexpected fails the test rather than passing quietly.
 */
export class FakeActivities {
  readonly calls: ActivityCall[] = [];
  behaviour: Partial<DeployerActivities> = {};
  readonly activities: DeployerActivities;

  constructor() {
    const names: Record<ActivityName, true> = {
      reviewRequest: true,
      verifyDecision: true,
      planService: true,
      applyComponent: true,
      removeComponent: true,
      awaitHealthy: true,
      monitorRelease: true,
      watchCanary: true,
      recordRelease: true,
      notify: true,
      ensureDriftSchedule: true,
      deployedServices: true,
      findRollbackTarget: true,
      lastRelease: true,
      lastGoodRelease: true,
      driftTargets: true,
      checkComponentDrift: true,
      recordDriftChecks: true,
      markDriftNotified: true,
      setDriftIgnore: true,
      readReleaseLog: true,
      runServiceTests: true,
    };
    this.activities = Object.fromEntries(
      (Object.keys(names) as ActivityName[]).map((name) => [
        name,
        async (input: never) => {
          this.calls.push({ name, input });
          const behaviour = this.behaviour[name] as ((input: never) => Promise<unknown>) | undefined;
          if (!behaviour) throw ApplicationFailure.nonRetryable(`unexpected call of activity ${name}`, 'UnexpectedActivity');
          return behaviour(input);
        },
      ]),
    ) as unknown as DeployerActivities;
  }

  /** Forgets the calls and behaviours of the previous test. */
  reset(behaviour: Partial<DeployerActivities>): void {
    this.calls.length = 0;
    this.behaviour = behaviour;
  }

  /** The calls of one activity, in order. */
  callsOf<N extends ActivityName>(name: N): Input<N>[] {
    return this.calls.filter((call): call is ActivityCall<N> => call.name === name).map((call) => call.input);
  }
}

/**
 * An activity that runs until it is cancelled, heartbeating as a Pulumi operation does; `started`
 * resolves when it is running, so a test can cancel the workflow at exactly that point.
 */
export function untilCancelled(): { activity: () => Promise<never>; started: Promise<void> } {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  return {
    started,
    activity: async () => {
      markStarted();
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), 100);
      try {
        return await context.cancelled;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
