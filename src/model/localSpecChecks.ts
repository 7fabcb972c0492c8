import type { EnvironmentSpec, KindedSpec } from './schema';
import { parseImage } from './specChecks';
import type { SpecProblem } from './specChecks';

// What the local target needs of a component that only the environment can give: checked for
// environments whose target is local, so a deployment does not create a service's dependencies
// and then roll them back for want of a line in the environment file.

/** The local target runs a MicroService's image as the command its environment names for the image's repository. */
export function checkForLocal(component: KindedSpec, local: NonNullable<EnvironmentSpec['local']>, environmentFile: string): SpecProblem[] {
  if (component.kind !== 'MicroService') return [];
  // An image that is no image reference at all is reported by the MicroService's own checks.
  const repository = parseImage(component.spec.image)?.repository;
  if (!repository || local.images[repository]) return [];
  return [
    {
      path: ['image'],
      message: `${environmentFile} runs on the local target but has no local.images entry for "${repository}", so nothing says how to run this image on this machine`,
      hint: `Add local.images.${repository} (command and workingDir) to ${environmentFile}.`,
    },
  ];
}
