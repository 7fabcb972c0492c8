import type { Target } from '../target';
import { localSpecField } from './driftFields';
import type { DesiredComponent } from './api';
import { localExports } from './exports';

/** The local runtime on this machine: processes and containers behind its HTTP API. */
export const localTarget: Target = {
  name: 'local',
  program: (deployment) => async () => (await import('./programs')).localProgram(deployment)(),
  async observer() {
    const { LocalObserver } = await import('./localObserver');
    return new LocalObserver();
  },
  afterApply: async () => undefined,
  // A local component is a single resource: deleted, it is the component; nothing scales it but deployer.
  drift: { specField: localSpecField, deletedResource: () => undefined, autoscales: false },
  // The runtime answers in microseconds.
  healthPollMs: 500,
  // Its figures are current: the last minute says what the release does now.
  errorRateWindowMs: 60_000,
  dependencyOutputs: () => [],
  // The runtime never rolls back on its own.
  gatesOnRelease: false,
  // Its providers' read is a runtime request the worker can make itself.
  driftReadsRecordedState: true,
  // Its resource records the component's kind beside the outputs.
  serviceStacks: { exportsOf: (outputs) => localExports(outputs.kind as DesiredComponent['kind'], (name) => outputs[name]) },
};
