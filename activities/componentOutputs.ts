import { ComponentRef, componentId, pulumiStackName, serviceStackName } from '../src/model/componentRef';
import type { ComponentStacks } from '../src/pulumi/componentStacks';
import type { ComponentOutputs } from '../src/pulumi/recordedState';

const RUNS_REMEMBERED = 50;
const emptyProgram = async () => ({});

/**
 * Components' outputs, read from their stacks, with those a deployment applied kept by workflow
 * run: a later wave of the same run (and its health gate) reads them here instead of asking the
 * engine again. Nothing else writes those stacks while the run holds the service's lock; other
 * services' outputs are always read from their stacks.
 */
export class ComponentOutputsReader {
  private readonly producedInRun = new Map<string, Map<string, ComponentOutputs>>();

  constructor(
    private readonly stacks: Pick<ComponentStacks, 'outputs' | 'memberOutputs'>,
    /** What a component kept in its service's stack exports, from its resource's recorded outputs. */
    private readonly exportsOf: (outputs: Record<string, unknown>) => Record<string, unknown>,
  ) {}

  remember(run: string, ref: ComponentRef, outputs: ComponentOutputs): void {
    if (!this.producedInRun.has(run)) {
      this.producedInRun.set(run, new Map());
      if (this.producedInRun.size > RUNS_REMEMBERED) this.producedInRun.delete(this.producedInRun.keys().next().value!);
    }
    this.producedInRun.get(run)!.set(componentId(ref), outputs);
  }

  /** A component's outputs: what `run` applied, else what its service's stack holds of it, else its own stack. */
  async read(run: string | undefined, ref: ComponentRef): Promise<ComponentOutputs> {
    const applied = run ? this.producedInRun.get(run)?.get(componentId(ref)) : undefined;
    if (applied) return applied;
    return (await this.stacks.memberOutputs(serviceStackName(ref), ref.component, this.exportsOf)) ?? (await this.stacks.outputs(pulumiStackName(ref), emptyProgram));
  }
}
