// What `deployer logs / metrics / health / show / exec / test / history` share: `--since` parsing,
// finding a component or service of the deployment repo, the environment's observer, and runtime
// failures turned into errors that say what to do (those two in src/client/observe.ts). Kept apart from the oclif commands so it can be
// tested without a CLI process or a runtime.
import fs from 'node:fs';
import path from 'node:path';
import { loadComponent } from '../src/model/componentLoader';
import { Diagnostic, sortDiagnostics } from '../src/model/diagnostics';
import { API_VERSION, ComponentKind, EnvironmentSpec, serviceFileSchema, ServiceFile } from '../src/model/schema';
import { YamlFile } from '../src/model/yamlFile';
import { issuesToDiagnostics } from '../src/model/zodIssues';
import type { ComponentRef } from '../src/model/componentRef';
import { requireEnvironment } from '../src/client/observe';
import { isoSeconds } from '../src/client/render/format';
import { listDirs, locateComponent, locateService } from '../src/client/locate';
import { DeployerError, ModelValidationError } from '../src/errors';

// What runs of a component, and the errors observing it raises, are shared with the Slack app.
export { deployedState, notDeployed, observedState, observeFailure, observerFor, observing, requireEnvironment, SECRET, withoutSecrets } from '../src/client/observe';

// ---------------------------------------------------------------------------------------------
// --since

const UNITS = {
  s: { ms: 1000, name: 'second' },
  m: { ms: 60_000, name: 'minute' },
  h: { ms: 3_600_000, name: 'hour' },
  d: { ms: 86_400_000, name: 'day' },
} as const;

export interface Since {
  since: Date;
  /** For titles: `last 1 hour`, `last 30 minutes`, `since 2026-01-15T14:30:00Z`. */
  label: string;
}

/**
 * `--since`: a duration back from now (`90s`, `30m`, `1h`, `24h`, `7d`) or an ISO 8601 timestamp
 * (`2026-01-15T14:30:00Z`, `2026-01-15T15:30:00+01:00`, `2026-01-15`). Anything else is a usage error.
 */
export function parseSince(value: string, now: Date = new Date()): Since {
  const text = value.trim();
  const duration = /^(\d+)([smhd])$/.exec(text);
  if (duration) {
    const amount = Number(duration[1]);
    const unit = UNITS[duration[2] as keyof typeof UNITS];
    if (amount <= 0) throw badSince(value, 'a duration must be more than 0');
    return { since: new Date(now.getTime() - amount * unit.ms), label: `last ${amount} ${unit.name}${amount === 1 ? '' : 's'}` };
  }
  // ISO 8601 only: Date.parse alone would also take "1" or "May 1" and guess.
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return { since: new Date(ms), label: `since ${isoSeconds(new Date(ms))}` };
  }
  throw badSince(value);
}

function badSince(value: string, why?: string): DeployerError {
  return new DeployerError(
    `--since "${value}" is not ${why ? `valid: ${why}` : 'a duration or a timestamp'}. Use a duration back from now (30m, 1h, 24h, 7d) or an ISO 8601 timestamp (2026-01-15T14:30:00Z).`,
    'BAD_SINCE',
  );
}

// ---------------------------------------------------------------------------------------------
// Finding what to observe

export interface ComponentTarget {
  ref: ComponentRef;
  /** The kind the repo declares (undefined when its directory has no component file). */
  kind?: ComponentKind;
  environment: EnvironmentSpec;
}

export interface ServiceTarget {
  stack: string;
  service: string;
  environmentName: string;
  environment: EnvironmentSpec;
}

/**
 * The component a command looks at, checked against the deployment repo: `<service>/<component>`,
 * an environment that exists, the stack that holds the service (found from the service when --stack
 * is omitted) and a component of it. Every miss is a usage error naming the candidates.
 */
export function resolveComponentTarget(options: { root: string; component: string; environment: string; stack?: string }): ComponentTarget {
  const environment = requireEnvironment(options.root, options.environment);
  const { stack, service, component, kind } = locateComponent(options.root, options.component, options.stack);
  return { ref: { stack, environment: options.environment, service, component, kind }, kind, environment };
}

/** A service of the deployment repo in an environment that exists. */
export function resolveServiceTarget(options: { root: string; service: string; environment: string; stack?: string }): ServiceTarget {
  const located = locateService(options.root, options);
  return { stack: located.stack, service: located.service, environmentName: located.environment, environment: requireEnvironment(options.root, located.environment) };
}

// ---------------------------------------------------------------------------------------------
// What the repo says

export interface AutoscalingSpec {
  minReplicas: number;
  maxReplicas: number;
  targetCPU: number;
}

/**
 * A MicroService's autoscaling settings for the environment, from the repo (overrides applied).
 * Read without --var: a `${VERSION}` left unfilled does not matter here. Undefined when the spec
 * cannot be read or declares no autoscaling.
 */
export function readAutoscaling(root: string, ref: ComponentRef): AutoscalingSpec | undefined {
  const dir = path.join(root, 'stacks', ref.stack, 'services', ref.service, 'components', ref.component);
  try {
    const component = loadComponent(
      dir,
      {
        repoRoot: root,
        stack: ref.stack,
        service: ref.service,
        environment: ref.environment,
        environments: listDirs(path.join(root, 'environments'), true),
        variables: { STACK: ref.stack, ENVIRONMENT: ref.environment },
      },
      [],
    )?.component;
    if (component?.kind !== 'MicroService') return undefined;
    return component.spec.scaling.autoscaling;
  } catch {
    return undefined;
  }
}

/**
 * A service's tests from its service.yaml alone: no stack is rendered, so no --var is needed.
 * An invalid service.yaml is reported like `validate` does.
 */
export function loadServiceTests(root: string, stack: string, service: string): ServiceFile['spec']['tests'] {
  const rel = `stacks/${stack}/services/${service}/service.yaml`;
  const absolute = path.join(root, rel);
  if (!fs.existsSync(absolute)) {
    throw new ModelValidationError([{ file: rel, line: 1, col: 1, path: '', message: `service ${service} has no service.yaml`, hint: 'Create it with apiVersion, kind: Service, metadata.name and spec (team, owners, tests).' }]);
  }
  const { yaml, diagnostics } = YamlFile.read(absolute, rel);
  if (diagnostics.length) throw new ModelValidationError(sortDiagnostics(diagnostics));
  if (!yaml.value || typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
    throw new ModelValidationError([yaml.diagnostic([], 'file is empty or not a mapping', `Start with apiVersion: ${API_VERSION}, kind: Service, metadata and spec.`)]);
  }
  const parsed = serviceFileSchema.safeParse(yaml.value, { reportInput: true });
  if (!parsed.success) {
    const problems: Diagnostic[] = issuesToDiagnostics(parsed.error.issues, serviceFileSchema, (at) => ({ file: yaml, path: at }));
    throw new ModelValidationError(sortDiagnostics(problems));
  }
  return parsed.data.spec.tests;
}
