import { environmentVariables } from '../model/types';
import type { KindedSpec } from '../model/schema';
import type { ComponentOutputs } from '../pulumi/recordedState';
import type { ResolvedValue } from './deployment';

/**
 * Fills a component's `valueFrom` variables from the outputs of the components they name (by
 * `<service>/<component>` id). A missing output is an error that names it: it means the producing
 * component has not been deployed in this environment yet.
 */
export function resolveValueFrom(component: KindedSpec & { id: string }, outputsOf: (componentId: string) => ComponentOutputs | undefined): Record<string, ResolvedValue> {
  const variables = environmentVariables(component).flatMap((variable) => ('valueFrom' in variable ? [variable] : []));
  return Object.fromEntries(
    variables.map((variable) => {
      const { component: source, output } = variable.valueFrom;
      const value = outputsOf(source)?.[output];
      if (!value) {
        throw new Error(`${component.id}: ${variable.name} needs output "${output}" of ${source}, which is not deployed in this environment yet; deploy ${source} first`);
      }
      return [variable.name, { value: String(value.value), secret: value.secret }];
    }),
  );
}
