// Which components a deployment wave's health gate waits for. Pure: the workflow calls it, and the
// choice is unit-tested without Temporal.
import type { ReleasedComponent } from '../releases/releaseRecord';
import type { ComponentRef } from '../model/componentRef';
import type { WaveProgress } from './deployment';

/**
 * Every component the wave applied, of any kind, and the components of this service they depend
 * on: a release whose database is down is not healthy, whatever its replicas answer. Each ref names
 * its kind, which spares the aws observer finding it out.
 */
export function gatedRefs(wave: WaveProgress, componentById: Map<string, ReleasedComponent>, stack: string, environment: string): ComponentRef[] {
  const ids = new Set(wave.components.flatMap((progress) => [progress.id, ...(componentById.get(progress.id)?.dependsOn ?? [])]));
  return [...ids].flatMap((id) => {
    const component = componentById.get(id);
    return component ? [{ stack, environment, service: component.service, component: component.name, kind: component.kind }] : [];
  });
}
