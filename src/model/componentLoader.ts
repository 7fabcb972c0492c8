import fs from 'node:fs';
import path from 'node:path';
import { didYouMean, Diagnostic } from './diagnostics';
import { sha256, stableStringify } from './hash';
import { interpolate } from './interpolate';
import { plainTextSecrets } from './plainTextSecrets';
import { ComponentReferences, readReferences } from './references';
import { checkForAws, rdsIdentifierProblem } from './awsSpecChecks';
import { checkForLocal } from './localSpecChecks';
import { API_VERSION, COMPONENT_KINDS, ComponentKind, componentFileSchema, componentKinds, EnvironmentSpec, KindedSpec, MicroServiceSpec } from './schema';
import { checkMicroService, SpecProblem } from './specChecks';
import type { ConfigFile, DesiredComponent } from './types';
import { YamlFile, YamlPath } from './yamlFile';
import { issuesToDiagnostics, Origin } from './zodIssues';

const KIND_BY_FILE: Record<string, ComponentKind> = Object.fromEntries(
  componentKinds.flatMap((kind) => COMPONENT_KINDS[kind].files.slice(0, 1).map((file) => [file, kind])),
);
const KNOWN_ENTRIES = [...componentKinds.flatMap((kind) => COMPONENT_KINDS[kind].files), 'configs'];

export interface ComponentContext {
  repoRoot: string;
  stack: string;
  service: string;
  environment: string;
  /** The environment's target: aws adds the limits of AWS's APIs (awsSpecChecks.ts); none when omitted. */
  target?: EnvironmentSpec['target'];
  /** The environment's platform references (aws): what ingress needs depends on its listener. */
  platform?: EnvironmentSpec['platform'];
  /** The environment's rollout defaults: on aws a canary needs ingress, whoever chose the strategy. */
  rollout?: EnvironmentSpec['rollout'];
  /** How the local target runs images (local): a MicroService's image needs its entry. Undefined when the environment file did not load (its own problems are reported). */
  local?: NonNullable<EnvironmentSpec['local']>;
  environments: string[];
  variables: Record<string, string>;
}

export interface LoadedComponent {
  /** Read even when the spec is invalid, so its references are checked in the same run. */
  references: ComponentReferences;
  /** Undefined when the spec failed its schema. */
  component?: DesiredComponent;
}

/**
 * Loads one `components/<name>/` directory; problems go to `diagnostics`, never thrown. Undefined
 * when its files cannot be read as a component at all.
 */
export function loadComponent(dir: string, context: ComponentContext, diagnostics: Diagnostic[]): LoadedComponent | undefined {
  const name = path.basename(dir);
  const rel = (file: string) => path.relative(context.repoRoot, path.join(dir, file));
  const entries = fs.readdirSync(dir).sort();
  for (const entry of entries) {
    if (!KNOWN_ENTRIES.includes(entry)) {
      const suggestion = didYouMean(entry, KNOWN_ENTRIES);
      diagnostics.push({ file: rel(entry), line: 1, col: 1, path: '', message: `unexpected file "${entry}" in component ${name}`, hint: suggestion ? `Did you mean "${suggestion}"?` : `A component directory holds one of ${Object.keys(KIND_BY_FILE).join(', ')} (plus infra.yaml and configs/ for a MicroService).` });
    }
  }
  const mainFiles = entries.filter((entry) => KIND_BY_FILE[entry]);
  if (mainFiles.length !== 1) {
    const message = mainFiles.length ? `component ${name} has ${mainFiles.join(' and ')}; a component is exactly one kind` : `component ${name} has no component file`;
    const hint = mainFiles.length
      ? `Keep exactly one of ${Object.keys(KIND_BY_FILE).join(', ')}; split the rest into their own component directories.`
      : `Add one of ${Object.keys(KIND_BY_FILE).join(', ')}.`;
    diagnostics.push({ file: rel(mainFiles[1] ?? ''), line: 1, col: 1, path: '', message, hint });
    return undefined;
  }
  const kind = KIND_BY_FILE[mainFiles[0]!]!;
  const main = readComponentFile(path.join(dir, mainFiles[0]!), rel(mainFiles[0]!), kind, context, diagnostics);
  const infraPresent = entries.includes('infra.yaml');
  if (infraPresent && kind !== 'MicroService') {
    diagnostics.push({ file: rel('infra.yaml'), line: 1, col: 1, path: '', message: `infra.yaml only applies to a MicroService, but ${name} is ${kind}`, hint: `Move these settings into ${mainFiles[0]}.` });
  }
  const infra = infraPresent && kind === 'MicroService' ? readComponentFile(path.join(dir, 'infra.yaml'), rel('infra.yaml'), kind, context, diagnostics) : undefined;
  if (!main) return undefined;

  // Later layers win: microservice.yaml < infra.yaml < overrides for this environment (same order).
  const layers: unknown[] = [];
  for (const file of [main, infra]) {
    if (file) layers.push((file.value as { spec?: unknown }).spec);
  }
  for (const file of [main, infra]) {
    const override = (file?.value as { overrides?: Record<string, unknown> } | undefined)?.overrides?.[context.environment];
    if (override !== undefined) layers.push(override);
  }
  const merged = layers.reduce<unknown>((acc, layer) => deepMerge(acc, layer), {});
  const origin = componentOrigin(main, infra, context.environment);

  const filled = interpolate(merged, context.variables);
  for (const missing of filled.missing) {
    const at = origin(missing.path);
    diagnostics.push(at.file.diagnostic(at.path, `variable \${${missing.name}} is not defined`, `Pass --var ${missing.name}=VALUE, or write \${${missing.name}:-default}.`));
  }
  const references = readReferences(`${context.service}/${name}`, kind, filled.value, origin);
  const schema = COMPONENT_KINDS[kind].spec;
  const parsed = schema.safeParse(filled.value, { reportInput: true });
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, schema, origin));
    return { references };
  }
  // The schema was the kind's own, so the spec is of that kind: the one place the two are joined.
  const typed = { kind, spec: parsed.data } as KindedSpec;
  const report = (problems: SpecProblem[]) => {
    for (const problem of problems) {
      const at = origin(problem.path);
      diagnostics.push(at.file.diagnostic(at.path, problem.message, problem.hint));
    }
  };
  if (context.target === 'local' && context.local) report(checkForLocal(typed, context.local, `environments/${context.environment}.yaml`));
  if (context.target === 'aws') {
    report(checkForAws(typed, { platform: context.platform, rollout: context.rollout }, `environments/${context.environment}.yaml`));
    const identifier = kind === 'RDS' ? rdsIdentifierProblem({ stack: context.stack, environment: context.environment, service: context.service, component: name }) : undefined;
    if (identifier) diagnostics.push(main.diagnostic(['metadata', 'name'], identifier.message, identifier.hint));
  }
  let configs: ConfigFile[] = [];
  if (typed.kind === 'MicroService') {
    report(checkMicroService(typed.spec));
    configs = loadConfigs(dir, typed.spec, context, origin, diagnostics);
    diagnostics.push(...plainTextSecrets(typed.spec, configs, origin, (config) => rel(path.join('configs', config.path))));
  }
  const component: DesiredComponent = {
    id: references.id,
    service: context.service,
    name,
    ...typed,
    dependsOn: [],
    configs,
    specHash: sha256(stableStringify({ kind, spec: typed.spec, configs: configs.map((config) => [config.mountPath, config.sha256]) })),
    source: main.locate(['kind']),
  };
  return { references, component };
}

/**
 * Where a path of a component's merged spec was written: in the last of microservice.yaml,
 * infra.yaml and their overrides for `environment` that writes it (the merge order). A path written
 * nowhere (a missing or defaulted field) points at its deepest written parent, in the file that
 * wrote that parent: a default `replicas` outside bounds set in infra.yaml points into infra.yaml.
 */
export function componentOrigin(main: YamlFile, infra: YamlFile | undefined, environment: string): Origin {
  const overrides: YamlPath = ['overrides', environment];
  const sources: { file: YamlFile; base: YamlPath }[] = [];
  if (infra) sources.push({ file: infra, base: overrides });
  sources.push({ file: main, base: overrides });
  if (infra) sources.push({ file: infra, base: ['spec'] });
  sources.push({ file: main, base: ['spec'] });
  return (specPath) => {
    for (let depth = specPath.length; depth > 0; depth--) {
      const source = sources.find(({ file, base }) => file.has([...base, ...specPath.slice(0, depth)]));
      if (source) return { file: source.file, path: [...source.base, ...specPath] };
    }
    return { file: main, path: ['spec', ...specPath] };
  };
}

function readComponentFile(absolute: string, file: string, kind: ComponentKind, context: ComponentContext, diagnostics: Diagnostic[]): YamlFile | undefined {
  const { yaml, diagnostics: syntax } = YamlFile.read(absolute, file);
  if (syntax.length) {
    diagnostics.push(...syntax);
    return undefined;
  }
  const value = yaml.value as Record<string, unknown> | null;
  if (!value || typeof value !== 'object') {
    diagnostics.push(yaml.diagnostic([], 'file is empty or not a mapping', `Start with apiVersion: ${API_VERSION}, kind: ${kind}, metadata and spec.`));
    return undefined;
  }
  const declaredKind = value.kind;
  if (typeof declaredKind === 'string' && declaredKind !== kind) {
    // A kind that exists nowhere is a typo, not a component in the wrong file: say so.
    if (!componentKinds.includes(declaredKind as ComponentKind)) {
      const suggestion = didYouMean(declaredKind, componentKinds);
      diagnostics.push(yaml.diagnostic(['kind'], `unknown kind "${declaredKind}"`, suggestion ? `Did you mean "${suggestion}"?` : `Known kinds: ${componentKinds.join(', ')}.`));
      return undefined;
    }
    const hint = `${path.basename(file)} holds a ${kind}; a ${declaredKind} belongs in ${COMPONENT_KINDS[declaredKind as ComponentKind].files[0]}.`;
    diagnostics.push(yaml.diagnostic(['kind'], `kind "${declaredKind}" does not belong in ${path.basename(file)}`, hint));
    return undefined;
  }
  // Envelope only (spec is checked after merging): apiVersion, kind, metadata, overrides.
  const envelope = componentFileSchema(kind, true);
  const parsed = envelope.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, envelope, (p) => ({ file: yaml, path: p })));
    return undefined;
  }
  const componentName = path.basename(path.dirname(absolute));
  const metadata = parsed.data.metadata;
  if (metadata.name !== componentName) {
    diagnostics.push(yaml.diagnostic(['metadata', 'name'], `metadata.name "${metadata.name}" does not match its directory "${componentName}"`, `Rename one so both say the same.`));
  }
  if (metadata.service && metadata.service !== context.service) {
    diagnostics.push(yaml.diagnostic(['metadata', 'service'], `metadata.service "${metadata.service}" does not match the service directory "${context.service}"`, 'Fix metadata.service or move the component.'));
  }
  if (metadata.stack && metadata.stack !== context.stack) {
    diagnostics.push(yaml.diagnostic(['metadata', 'stack'], `metadata.stack "${metadata.stack}" does not match the stack directory "${context.stack}"`, 'Fix metadata.stack or move the service.'));
  }
  for (const environment of Object.keys(parsed.data.overrides ?? {})) {
    if (!context.environments.includes(environment)) {
      const suggestion = didYouMean(environment, context.environments);
      diagnostics.push(yaml.diagnostic(['overrides', environment], `overrides for unknown environment "${environment}"`, suggestion ? `Did you mean "${suggestion}"?` : `Environments: ${context.environments.join(', ')}.`, { key: true }));
    }
  }
  return yaml;
}

function loadConfigs(dir: string, spec: MicroServiceSpec, context: ComponentContext, origin: Origin, diagnostics: Diagnostic[]): ConfigFile[] {
  const configDir = path.join(dir, 'configs');
  // Paths are relative to configs/ and mount under /config, so they must stay inside configs/: a
  // `../` path would read another component's files (or the repo's) and mount outside /config.
  const realConfigDir = fs.existsSync(configDir) ? fs.realpathSync(configDir) : configDir;
  const wanted = spec.configs ?? listFiles(configDir).map((file) => ({ path: file, mountPath: undefined }));
  const configs: ConfigFile[] = [];
  wanted.forEach((entry, index) => {
    const absolute = path.resolve(configDir, entry.path);
    const real = fs.existsSync(absolute) ? fs.realpathSync(absolute) : absolute;
    const at = origin(['configs', index, 'path']);
    const inside = path.relative(realConfigDir, real);
    if (path.isAbsolute(entry.path) || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
      diagnostics.push(at.file.diagnostic(at.path, `config path "${entry.path}" points outside the component's configs/ directory`, 'Config files must live in the component\'s configs/ directory; give their path relative to it.'));
      return;
    }
    if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) {
      diagnostics.push(at.file.diagnostic(at.path, `config file "${entry.path}" does not exist in ${path.relative(context.repoRoot, configDir)}/`, 'Create it, or fix the path (relative to configs/).'));
      return;
    }
    const content = fs.readFileSync(absolute, 'utf8');
    configs.push({ path: entry.path, mountPath: entry.mountPath ?? path.posix.join('/config', entry.path), sha256: sha256(content), content });
  });
  return configs;
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => (entry.isDirectory() ? listFiles(path.join(dir, entry.name), path.join(prefix, entry.name)) : [path.join(prefix, entry.name)]));
}

/** Mappings merge key by key; anything else (lists included) is replaced by the later value. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (isMapping(base) && isMapping(override)) {
    const result: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) result[key] = deepMerge(base[key], value);
    return result;
  }
  return override;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
