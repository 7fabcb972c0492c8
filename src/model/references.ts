import { computeWaves } from './waves';
import { didYouMean, Diagnostic } from './diagnostics';
import { COMPONENT_KINDS, ComponentKind, componentRef } from './schema';
import type { DesiredComponent } from './types';
import type { YamlPath } from './yamlFile';
import type { Origin } from './zodIssues';

/**
 * What a component refers to (dependsOn, valueFrom), read from its merged spec whether or not the
 * spec passed its schema: a component with a wrong-typed field still has its references checked in
 * the same run, instead of after its first errors are fixed.
 */
export interface ComponentReferences {
  id: string;
  kind: ComponentKind;
  /** dependsOn entries by index as written; undefined where an entry is not a component reference (its schema error says so). */
  dependsOn: (string | undefined)[];
  /** The valueFrom of each environment entry by index; undefined where there is none or it is not a reference. */
  valueFrom: ({ component: string; output?: string } | undefined)[];
  /** Where each path of the merged spec was written. */
  origin: Origin;
}

/** Reads the references out of a merged spec of any shape; what is malformed is left to the schema's diagnostics. */
export function readReferences(id: string, kind: ComponentKind, spec: unknown, origin: Origin): ComponentReferences {
  const fields = isRecord(spec) ? spec : {};
  const asReference = (value: unknown) => (componentRef.safeParse(value).success ? (value as string) : undefined);
  const dependsOn = Array.isArray(fields.dependsOn) ? fields.dependsOn.map(asReference) : [];
  const environment = Array.isArray(fields.environment) ? fields.environment : [];
  const valueFrom = environment.map((entry) => {
    const from = isRecord(entry) && isRecord(entry.valueFrom) ? entry.valueFrom : undefined;
    const component = asReference(from?.component);
    if (!component) return undefined;
    return { component, output: typeof from?.output === 'string' ? from.output : undefined };
  });
  return { id, kind, dependsOn, valueFrom, origin };
}

/**
 * Checks every dependsOn and valueFrom against the components that exist (across services), fills
 * each loaded component's dependsOn with both, and rejects dependency cycles. `declared` holds every
 * component directory: a reference to one that failed to load is not also reported as unknown.
 */
export function resolveReferences(all: ComponentReferences[], declared: Set<string>, loaded: DesiredComponent[], diagnostics: Diagnostic[]): void {
  const byId = new Map(all.map((references) => [references.id, references] as const));
  const ids = [...declared].sort();
  const report = (references: ComponentReferences, at: YamlPath, message: string, hint?: string) => {
    const written = references.origin(at);
    diagnostics.push(written.file.diagnostic(written.path, message, hint));
  };
  const edges = new Map<string, Set<string>>();
  for (const references of all) {
    const deps = new Set<string>();
    const known = (ref: string, at: YamlPath) => {
      if (declared.has(ref)) return true;
      const suggestion = didYouMean(ref, ids);
      report(references, at, `unknown component "${ref}"`, suggestion ? `Did you mean "${suggestion}"?` : `Components: ${ids.join(', ')}.`);
      return false;
    };
    references.dependsOn.forEach((ref, index) => {
      if (ref && known(ref, ['dependsOn', index]) && byId.has(ref)) deps.add(ref);
    });
    references.valueFrom.forEach((from, index) => {
      if (!from || !known(from.component, ['environment', index, 'valueFrom', 'component'])) return;
      const target = byId.get(from.component);
      if (!target) return;
      const outputs: readonly string[] = COMPONENT_KINDS[target.kind].outputs;
      if (from.output !== undefined && !outputs.includes(from.output)) {
        const suggestion = didYouMean(from.output, outputs);
        report(references, ['environment', index, 'valueFrom', 'output'], `${target.kind} ${target.id} has no output "${from.output}"`, `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Its outputs: ${outputs.join(', ')}.`);
        return;
      }
      deps.add(target.id);
    });
    edges.set(references.id, deps);
  }
  // A loaded component waits only for loaded ones: the others have problems that fail the load,
  // unless they are outside the services asked for.
  const loadedIds = new Set(loaded.map((component) => component.id));
  for (const component of loaded) component.dependsOn = [...(edges.get(component.id) ?? [])].filter((id) => loadedIds.has(id)).sort();
  reportCycle(all, edges, report);
}

/** The graph includes components whose specs have other problems: a cycle through them is just as real. */
function reportCycle(all: ComponentReferences[], edges: Map<string, Set<string>>, report: (references: ComponentReferences, at: YamlPath, message: string, hint?: string) => void): void {
  const result = computeWaves(all.map((references) => ({ id: references.id, dependsOn: [...edges.get(references.id)!] })));
  if (!('cycle' in result)) return;
  const first = all.find((references) => references.id === result.cycle[0])!;
  const next = result.cycle[1]!;
  // Point at the edge that leaves `first`, whether written as dependsOn or as a valueFrom.
  const dependsOn = first.dependsOn.indexOf(next);
  const valueFrom = first.valueFrom.findIndex((from) => from?.component === next);
  const at = dependsOn >= 0 ? ['dependsOn', dependsOn] : valueFrom >= 0 ? ['environment', valueFrom, 'valueFrom', 'component'] : [];
  if (result.cycle.length === 2) report(first, at, `${first.id} depends on itself`, 'Remove this reference: a component cannot wait for itself.');
  else report(first, at, `dependency cycle: ${result.cycle.join(' → ')}`, 'Remove one of these dependencies (dependsOn or valueFrom) to break the cycle.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
