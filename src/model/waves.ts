/** A node of the deployment DAG: a component id and the ids it waits for. */
export interface DagNode {
  id: string;
  dependsOn: string[];
}

export type WavesResult = { waves: string[][] } | { cycle: string[] };

/**
 * Layers the DAG into waves: wave N holds every component whose dependencies are all in earlier
 * waves (longest path from a root), so each wave can run in parallel. Ids inside a wave are sorted,
 * making plans reproducible. Dependencies outside `nodes` are treated as already deployed.
 */
export function computeWaves(nodes: DagNode[]): WavesResult {
  const ids = new Set(nodes.map((node) => node.id));
  const pending = new Map(nodes.map((node) => [node.id, new Set(node.dependsOn.filter((dep) => ids.has(dep) && dep !== node.id))]));
  const selfLoop = nodes.find((node) => node.dependsOn.includes(node.id));
  if (selfLoop) return { cycle: [selfLoop.id, selfLoop.id] };
  const dependents = new Map<string, string[]>();
  for (const [id, deps] of pending) for (const dep of deps) dependents.set(dep, [...(dependents.get(dep) ?? []), id]);

  const waves: string[][] = [];
  let ready = [...pending].filter(([, deps]) => deps.size === 0).map(([id]) => id);
  let placed = 0;
  while (ready.length) {
    ready.sort();
    waves.push(ready);
    placed += ready.length;
    const next: string[] = [];
    for (const id of ready) {
      for (const dependent of dependents.get(id) ?? []) {
        const deps = pending.get(dependent)!;
        deps.delete(id);
        if (deps.size === 0) next.push(dependent);
      }
    }
    ready = next;
  }
  if (placed === nodes.length) return { waves };
  return { cycle: findCycle(nodes, ids) };
}

/** One cycle among the nodes, as a path that starts and ends on the same id. */
function findCycle(nodes: DagNode[], ids: Set<string>): string[] {
  const edges = new Map(nodes.map((node) => [node.id, [...node.dependsOn].filter((dep) => ids.has(dep)).sort()]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of edges.get(id) ?? []) {
      if (state.get(dep) === 'visiting') return [...stack.slice(stack.indexOf(dep)), dep];
      if (!state.has(dep)) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of [...ids].sort()) {
    if (!state.has(id)) {
      const cycle = visit(id);
      if (cycle) return cycle;
    }
  }
  return [];
}
