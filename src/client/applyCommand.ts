// The `deployer apply` a message prints as the next step: complete, with the --var the service's
// files need (an apply without them fails on an undefined ${VERSION}).
import fs from 'node:fs';
import path from 'node:path';

/** Variables every load defines itself. */
const BUILT_IN = new Set(['STACK', 'ENVIRONMENT']);

/** The `${NAME}` variables (without a `:-default`) the service's YAML files use, sorted. */
function requiredVariables(root: string, stack: string, service: string): string[] {
  const names = new Set<string>();
  const visit = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (/\.ya?ml$/.test(entry.name)) {
        for (const match of fs.readFileSync(file, 'utf8').matchAll(/(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) {
          if (!match[1] && !match[3] && !BUILT_IN.has(match[2]!)) names.add(match[2]!);
        }
      }
    }
  };
  visit(path.join(root, 'stacks', stack, 'services', service));
  return [...names].sort();
}

/**
 * `deployer apply --stack S --service X --environment E --var VERSION=v1.2.0 ...`: each variable the
 * service needs, filled from `known` (such as the released version) or left as `<NAME>` to fill in.
 */
export function applyCommand(ref: { stack: string; service: string; environment: string }, variables: string[], known: Record<string, string> = {}): string {
  const vars = variables.map((name) => ` --var ${name}=${known[name] ?? `<${name.toLowerCase()}>`}`).join('');
  return `deployer apply --stack ${ref.stack} --service ${ref.service} --environment ${ref.environment}${vars}`;
}

/**
 * The apply to print for a service: with the variables its files use when the deployment repo is
 * here, else with VERSION (which the repos deployer knows use for the image tag) to fill in.
 */
export function applyNextStep(ref: { stack: string; service: string; environment: string }, root?: string, known: Record<string, string> = {}): string {
  return applyCommand(ref, root ? requiredVariables(root, ref.stack, ref.service) : ['VERSION'], known);
}
