import type { Diagnostic } from './diagnostics';
import type { ComponentReferences } from './references';
import type { DesiredComponent } from './types';

/** The port a component listens on by convention (what an app may write as a literal), and the output that gives the real one. */
function usualPort(component: DesiredComponent): { port: number; what: string; output: string } | undefined {
  switch (component.kind) {
    case 'ElastiCacheRedis':
      return { port: 6379, what: "Redis's usual port", output: 'port' };
    case 'RDS': {
      const engine = component.spec.engine;
      return engine === 'postgres' ? { port: 5432, what: "PostgreSQL's usual port", output: 'port' } : { port: 3306, what: "MySQL's usual port", output: 'port' };
    }
    case 'MicroService':
      return { port: component.spec.port, what: 'its declared port', output: 'url' };
    default:
      return undefined;
  }
}

/**
 * On the local target every environment's components share one machine, so a component listens
 * on its usual port (Redis 6379, PostgreSQL 5432, a MicroService's declared port) only if nothing
 * else there had it when it was created. A literal value naming the usual port of a component the
 * MicroService depends on (the description's own `CACHE_PORT: "6379"`) may then reach another
 * environment's server, or nothing: a warning with the valueFrom that always gives the real port.
 */
export function literalPortWarnings(components: DesiredComponent[], references: ComponentReferences[]): Diagnostic[] {
  const byId = new Map(components.map((component) => [component.id, component] as const));
  const origins = new Map(references.map((reference) => [reference.id, reference.origin] as const));
  const warnings: Diagnostic[] = [];
  for (const component of components) {
    if (component.kind !== 'MicroService') continue;
    const origin = origins.get(component.id);
    if (!origin) continue;
    const spec = component.spec;
    spec.environment.forEach((variable, index) => {
      if (!('value' in variable) || !/^\d{1,5}$/.test(variable.value.trim())) return;
      const port = Number(variable.value.trim());
      const targets = component.dependsOn.flatMap((id) => {
        const dependency = byId.get(id);
        const usual = dependency && usualPort(dependency);
        return dependency && usual && usual.port === port ? [{ dependency, usual }] : [];
      });
      const first = targets[0];
      if (!first) return;
      const { dependency, usual } = first;
      const at = origin(['environment', index, 'value']);
      const others = targets.length > 1 ? ` (or ${targets.slice(1).map((target) => target.dependency.id).join(', ')})` : '';
      const use =
        usual.output === 'url'
          ? `Use valueFrom: { component: ${dependency.id}, output: url }: its address, with the port it really has, on aws and locally.`
          : `Use valueFrom: { component: ${dependency.id}, output: port }: the port it really has, on aws and locally.`;
      warnings.push({
        ...at.file.diagnostic(
          at.path,
          `${variable.name} is the literal ${port}, ${usual.what} of ${dependency.id}${others}: on the local target every environment shares this machine, and ${dependency.id} listens on ${port} only if nothing else (another environment's ${dependency.kind}, another program) had that port when it was created; otherwise ${variable.name} reaches that one, or nothing`,
          use,
        ),
        severity: 'warning',
      });
    });
  }
  return warnings;
}
