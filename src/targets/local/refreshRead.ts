import type { RecordedResource } from '../../pulumi/recordedState';
import { isRecordedSecret } from '../../pulumi/recordedState';
import { resourceDrift, ResourceDrift } from '../../pulumi/refreshDiff';
import type { ComponentState } from './api';

/**
 * What the engine's refresh of a local component's stack finds, worked out without the engine: the
 * local provider's `read` (providers.ts, which the engine runs in a plugin) applied to the state's
 * record and the runtime's settled state, then the refresh's own comparison. A local component stack
 * holds exactly one resource; anything else is left to the engine (undefined).
 *
 * Secrets are stored encrypted, so they are not compared here: locally no secret can drift in a
 * way a refresh reports (a MicroService's secret variables are never read back, a database password
 * is an output, not a setting users wrote), and an encrypted value is never decrypted in the worker.
 */
export function refreshWithoutEngine(recorded: RecordedResource[], found: ComponentState | undefined): ResourceDrift[] | undefined {
  if (recorded.length !== 1) return undefined;
  const [resource] = recorded as [RecordedResource];
  if (!found) return [resourceDrift(resource.urn, resource.type, resource.outputs, undefined)!];
  // As `read` does: what runs wins over what was recorded, and a stopped data component is marked.
  const { stopped: _stopped, canary: _canary, ...kept } = resource.outputs;
  const stopped = resource.outputs.kind !== 'MicroService' && found.status.state === 'stopped';
  const read: Record<string, unknown> = { ...kept, ...found.actual, ...found.outputs, ...(stopped ? { stopped: true } : {}) };
  const secrets = [...found.secretOutputs, ...Object.keys(resource.outputs).filter((key) => isRecordedSecret(resource.outputs[key]))];
  for (const key of secrets) {
    if (key in resource.outputs) read[key] = resource.outputs[key];
    else delete read[key];
  }
  const drift = resourceDrift(resource.urn, resource.type, resource.outputs, read);
  return drift ? [drift] : [];
}
