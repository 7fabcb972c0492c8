// How bad a drifted field is and what most likely caused it. Pure: the rules are unit-tested with
// their exact strings, and work on spec paths, so they hold for every target.
import type { DriftSeverity } from '../temporal/drift';

export const DELETED_CAUSE = 'deleted outside deployer';

export interface Classification {
  severity: DriftSeverity;
  cause: string;
}

interface Rule extends Classification {
  matches(path: string): boolean;
}

// Order matters: the first rule that matches decides. Security first, so `security.tags` is high.
const RULES: Rule[] = [
  {
    matches: (path) => /(^|\.)(security|iam|role|policy|kms\w*|securityGroups?\w*|publiclyAccessible|password|username|credentials?)(\.|$)/i.test(path) || /encrypt/i.test(path),
    severity: 'high',
    cause: 'Security setting changed outside deployer (console or CLI)',
  },
  { matches: (path) => path === 'image', severity: 'high', cause: 'Image changed outside deployer: code no release recorded is running' },
  { matches: (path) => path === 'taskDefinition', severity: 'high', cause: 'Task definition revision changed outside deployer: image, environment or size no release recorded' },
  { matches: (path) => /(^|\.)(tags|labels|annotations|description)(\.|$)/i.test(path), severity: 'low', cause: 'Tags or labels edited outside deployer (console or a tagging tool)' },
  { matches: (path) => path === 'scaling.replicas', severity: 'medium', cause: 'Manual scaling outside deployer (console / deployer local scale)' },
  { matches: (path) => path.startsWith('scaling.'), severity: 'medium', cause: 'Autoscaling settings changed outside deployer (console)' },
  { matches: (path) => path.startsWith('resources.'), severity: 'medium', cause: 'Task size changed outside deployer (console)' },
  { matches: (path) => path === 'environment' || path.startsWith('environment.'), severity: 'medium', cause: 'Environment variable edited outside deployer (console)' },
  { matches: (path) => path.startsWith('healthCheck.'), severity: 'medium', cause: 'Health check settings changed outside deployer (console)' },
];

const DEFAULT: Classification = { severity: 'medium', cause: 'Changed outside deployer (console or CLI)' };
const SECRET: Classification = { severity: 'high', cause: 'Secret changed outside deployer (console or secret store)' };

/**
 * Severity and likely cause of one drifted field. High: a secret or a security-relevant field
 * (encryption, IAM, security groups, credentials), the image or an ECS task definition revision; low: tags, labels, descriptions;
 * medium: capacity and configuration (replicas, cpu, memory, environment, health checks, ...).
 */
export function classifyField(specPath: (string | number)[], options: { secret?: boolean } = {}): Classification {
  if (options.secret) return SECRET;
  const path = dottedPath(specPath);
  const rule = RULES.find((candidate) => candidate.matches(path));
  return rule ? { severity: rule.severity, cause: rule.cause } : DEFAULT;
}

/** A component deleted outside deployer: always high. */
export function classifyDeleted(): Classification {
  return { severity: 'high', cause: DELETED_CAUSE };
}

/** A data component that does not run (crashed, stopped in a console, not brought back after a restart): its dependents fail. */
export function classifyStopped(): Classification {
  return { severity: 'high', cause: 'Not running: stopped outside deployer, crashed, or not restarted' };
}

const ORDER: DriftSeverity[] = ['low', 'medium', 'high'];

export function worstSeverity(severities: DriftSeverity[]): DriftSeverity | undefined {
  return severities.reduce<DriftSeverity | undefined>((worst, severity) => (worst === undefined || ORDER.indexOf(severity) > ORDER.indexOf(worst) ? severity : worst), undefined);
}

/** The causes of several fields as one line, the most severe first, each named once. */
export function combinedCause(findings: Classification[]): string | undefined {
  const sorted = [...findings].sort((a, b) => ORDER.indexOf(b.severity) - ORDER.indexOf(a.severity));
  const causes = [...new Set(sorted.map((finding) => finding.cause))];
  return causes.length ? causes.join('; ') : undefined;
}

/** `['environment', 2, 'value']` -> `environment.value`: indexes say nothing about what a field means. */
export function dottedPath(specPath: (string | number)[]): string {
  return specPath.filter((segment) => typeof segment === 'string').join('.');
}
