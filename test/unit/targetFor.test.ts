import type { EnvironmentSpec } from '../../src/model/schema';
import { targetFor } from '../../src/targets/targetFor';

describe('targetFor', () => {
  it('gives each environment the target it names, with that target’s rules', () => {
    const local = targetFor({ target: 'local' });
    const aws = targetFor({ target: 'aws' });
    expect([local.name, aws.name]).toEqual(['local', 'aws']);
    // The local runtime answers at once and never rolls back by itself; ECS is throttled, ALB figures come late.
    // Locally a drift check reads recorded state and the runtime; on aws only the engine's refresh sees the resources.
    expect([local.healthPollMs, local.errorRateWindowMs, local.gatesOnRelease, local.drift.autoscales, local.driftReadsRecordedState]).toEqual([500, 60_000, false, false, true]);
    expect([aws.healthPollMs, aws.errorRateWindowMs, aws.gatesOnRelease, aws.drift.autoscales, aws.driftReadsRecordedState]).toEqual([5000, 300_000, true, true, false]);
  });

  it('reads dependencies’ outputs on aws only', () => {
    const component = { dependsOn: ['orders/queue', 'orders/database'] };
    expect(targetFor({ target: 'aws' }).dependencyOutputs(component)).toEqual(['orders/queue', 'orders/database']);
    expect(targetFor({ target: 'local' }).dependencyOutputs(component)).toEqual([]);
  });

  it('refuses a target it does not know', () => {
    expect(() => targetFor({ target: 'gcp' as EnvironmentSpec['target'] })).toThrow('cannot run components on target "gcp"');
  });
});
