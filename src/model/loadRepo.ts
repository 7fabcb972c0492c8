import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { unreachableUrlProblems } from './awsSpecChecks';
import { loadComponent } from './componentLoader';
import { didYouMean, Diagnostic, isWarning, sortDiagnostics, unknownNameMessage } from './diagnostics';
import { literalPortWarnings } from './localConnections';
import { platformInputs } from './platformInputs';
import { ComponentReferences, resolveReferences } from './references';
import { API_VERSION, environmentFileSchema, EnvironmentSpec, RepositoryFile, repositoryFileSchema, serviceFileSchema } from './schema';
import { sameIdentity } from '../trust/identity';
import type { DeploymentPolicy, DesiredComponent, DesiredService, DesiredStack } from './types';
import { YamlFile } from './yamlFile';
import { issuesToDiagnostics } from './zodIssues';
import { parseComponentId } from './componentRef';
import { ModelValidationError, UnknownNameError } from '../errors';

export interface LoadOptions {
  /** Root of the deployment repo (holds stacks/ and environments/). */
  root: string;
  stack: string;
  environment: string;
  /** `--var KEY=VALUE`; STACK and ENVIRONMENT are always defined. */
  variables?: Record<string, string>;
  /**
   * Only these services (default: all). The others are still read so references into them are
   * checked, but their own problems (another team's undefined ${VERSION}) do not block this one.
   */
  services?: string[];
  /** Receives the warnings: what loads but should change (a secret written in plain text). */
  warnings?: Diagnostic[];
}

/**
 * Reads the deployment repo into the desired state of one stack in one environment. Reports every
 * problem at once by throwing a ModelValidationError; returns only a fully valid model. Warnings go
 * to `options.warnings`, whether the load succeeds or not. An environment or stack the repo does not
 * declare is an UnknownNameError.
 */
export function loadDesiredStack(options: LoadOptions): DesiredStack {
  const diagnostics: Diagnostic[] = [];
  const root = path.resolve(options.root);
  checkNamesExist(root, options);
  const repository = loadRepositoryConfig(root, diagnostics);
  const environments = loadEnvironments(root, diagnostics);
  // An invalid environment file is reported with everything else, not instead of it: the
  // components are checked against the target its file names, if any (for AWS's limits).
  const environment = environments.get(options.environment);
  const target = environment?.spec.target ?? writtenTarget(root, options.environment);
  const stackDir = path.join(root, 'stacks', options.stack);
  // By file name, valid or not: overrides for an environment whose file is broken are not unknown.
  const environmentFiles = environmentNames(root).sort();

  const variables = { STACK: options.stack, ENVIRONMENT: options.environment, ...options.variables };
  const services: DesiredService[] = [];
  const components: DesiredComponent[] = [];
  const references: ComponentReferences[] = [];
  // Every component directory, loaded or not: a reference to one that failed to load is not also
  // reported as unknown (its own problems already are).
  const declared = new Set<string>();
  const serviceNames = listDirs(path.join(stackDir, 'services'));
  for (const serviceName of serviceNames) {
    const service = loadService(root, options.stack, serviceName, diagnostics);
    const componentsDir = path.join(stackDir, 'services', serviceName, 'components');
    const context = { repoRoot: root, stack: options.stack, service: serviceName, environment: options.environment, target, platform: environment?.spec.platform, rollout: environment?.spec.rollout, local: environment ? (environment.spec.local ?? { images: {} }) : undefined, environments: environmentFiles, variables };
    // Components are checked even when service.yaml is broken, so one run reports every problem.
    for (const componentName of listDirs(componentsDir)) {
      declared.add(`${serviceName}/${componentName}`);
      const loaded = loadComponent(path.join(componentsDir, componentName), context, diagnostics);
      if (!loaded) continue;
      references.push(loaded.references);
      const component = loaded.component;
      if (!component) continue;
      const platform = target === 'aws' && environment ? platformInputs(component.kind, environment.spec.platform) : undefined;
      if (platform) component.platform = platform;
      components.push(component);
      service?.components.push(component);
    }
    if (!service) continue;
    checkTests(root, service, declared, diagnostics);
    checkServiceDependencies(root, service, serviceNames, diagnostics);
    if (repository || !fs.existsSync(path.join(root, 'deployer.yaml'))) checkApprovers(root, service, repository?.spec, diagnostics);
    services.push(service);
  }
  resolveReferences(references, declared, components, diagnostics);
  if (target === 'aws' && environment && !environment.spec.platform.serviceConnectNamespace) diagnostics.push(...unreachableUrlProblems(references, components, `environments/${options.environment}.yaml`));
  if (target === 'local') diagnostics.push(...literalPortWarnings(components, references));
  const scope = options.services;
  // A problem in a file of a service out of scope is left out; one anywhere else (an environment file) is kept.
  const serviceOfFile = (file: string) => new RegExp(`^stacks/${options.stack}/services/([^/]*)`).exec(file)?.[1];
  const inScope = (file: string) => { const service = serviceOfFile(file); return !scope || service === undefined || scope.includes(service); };
  const relevant = diagnostics.filter((diagnostic) => inScope(diagnostic.file));
  options.warnings?.push(...sortDiagnostics(relevant.filter(isWarning)));
  const errors = relevant.filter((diagnostic) => !isWarning(diagnostic));
  if (errors.length) throw new ModelValidationError(sortDiagnostics(errors));
  return {
    stack: options.stack,
    environment: { name: options.environment, spec: environment!.spec },
    services: scope ? services.filter((service) => scope.includes(service.name)) : services,
    groups: repository?.spec.groups ?? {},
    slackUsers: repository?.spec.slackUsers ?? {},
    githubUsers: repository?.spec.githubUsers ?? {},
    variables,
  };
}

/**
 * The environment and stack asked for are declared: an environment by its file (an invalid one is
 * reported as such, not as unknown), a stack by its directory.
 */
function checkNamesExist(root: string, options: LoadOptions): void {
  const environments = environmentNames(root);
  if (!environments.includes(options.environment)) {
    throw new UnknownNameError('UNKNOWN_ENVIRONMENT', unknownNameMessage('environment', options.environment, environments, 'none (add environments/<name>.yaml)'));
  }
  const stacks = listDirs(path.join(root, 'stacks'));
  if (!stacks.includes(options.stack)) {
    throw new UnknownNameError('UNKNOWN_STACK', unknownNameMessage('stack', options.stack, stacks, 'none (add stacks/<name>/services/)'));
  }
}

/**
 * One environment's validated spec, without loading any stack (so no `--var` is needed): for
 * commands that only need its target or settings. Undefined when the repo declares no such
 * environment; a ModelValidationError when its own file is invalid.
 */
export function loadEnvironment(root: string, name: string): EnvironmentSpec | undefined {
  const diagnostics: Diagnostic[] = [];
  const environment = loadEnvironments(path.resolve(root), diagnostics).get(name);
  if (environment) return environment.spec;
  const own = diagnostics.filter((d) => d.file === `environments/${name}.yaml` || d.file === `environments/${name}.yml`);
  if (own.length) throw new ModelValidationError(sortDiagnostics(own));
  return undefined;
}

/**
 * The approval policy of one service in one environment: the environment's approval settings,
 * service.yaml's approvers, and deployer.yaml's groups, user maps, signing keys and break-glass list.
 * The worker reads it from the reviewed branch's files, so only those files are read (no components,
 * no variables). Undefined when the environment is not declared there.
 */
export function loadPolicy(root: string, stack: string, service: string, environment: string): DeploymentPolicy | undefined {
  const diagnostics: Diagnostic[] = [];
  const repository = loadRepositoryConfig(root, diagnostics);
  const environmentSpec = loadEnvironments(root, diagnostics).get(environment)?.spec;
  const serviceFile = fs.existsSync(path.join(root, 'stacks', stack, 'services', service, 'service.yaml')) ? loadService(root, stack, service, diagnostics) : undefined;
  if (diagnostics.length) throw new ModelValidationError(sortDiagnostics(diagnostics));
  if (!environmentSpec) return undefined;
  return {
    environment,
    approval: environmentSpec.approval,
    approvers: serviceFile?.spec.approvers ?? [],
    groups: repository?.spec.groups ?? {},
    slackUsers: repository?.spec.slackUsers ?? {},
    githubUsers: repository?.spec.githubUsers ?? {},
    signingKeys: repository?.spec.signingKeys ?? {},
    breakGlass: repository?.spec.breakGlass ?? [],
  };
}

function loadRepositoryConfig(root: string, diagnostics: Diagnostic[]) {
  const file = path.join(root, 'deployer.yaml');
  if (!fs.existsSync(file)) return undefined;
  return parseWith(file, 'deployer.yaml', repositoryFileSchema, diagnostics)?.data;
}

function loadEnvironments(root: string, diagnostics: Diagnostic[]): Map<string, { spec: EnvironmentSpec }> {
  const dir = path.join(root, 'environments');
  const environments = new Map<string, { spec: EnvironmentSpec }>();
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort() : [];
  for (const fileName of files) {
    const parsed = parseWith(path.join(dir, fileName), `environments/${fileName}`, environmentFileSchema, diagnostics);
    if (!parsed) continue;
    const expected = fileName.replace(/\.ya?ml$/, '');
    const name = parsed.data.metadata.name;
    if (name !== expected) {
      diagnostics.push(parsed.yaml.diagnostic(['metadata', 'name'], `environment "${name}" is declared in ${fileName}`, `Name the file ${name}.yaml, or set metadata.name: ${expected}.`));
      continue;
    }
    environments.set(name, { spec: withAbsoluteWorkingDirs(parsed.data.spec, dir) });
  }
  return environments;
}

/** Local image working directories are written relative to environments/; workers need them absolute. */
function withAbsoluteWorkingDirs(spec: EnvironmentSpec, dir: string): EnvironmentSpec {
  if (!spec.local) return spec;
  const images = Object.fromEntries(
    Object.entries(spec.local.images).map(([repository, image]) => [repository, { ...image, workingDir: path.resolve(dir, image.workingDir ?? '..') }]),
  );
  return { ...spec, local: { ...spec.local, images } };
}

function loadService(root: string, stack: string, name: string, diagnostics: Diagnostic[]): DesiredService | undefined {
  const rel = `stacks/${stack}/services/${name}/service.yaml`;
  const absolute = path.join(root, rel);
  if (!fs.existsSync(absolute)) {
    diagnostics.push({ file: rel, line: 1, col: 1, path: '', message: `service ${name} has no service.yaml`, hint: 'Create it with apiVersion, kind: Service, metadata.name and spec (team, owners, approvers).' });
    return undefined;
  }
  const parsed = parseWith(absolute, rel, serviceFileSchema, diagnostics);
  if (!parsed) return undefined;
  const { metadata, spec } = parsed.data;
  if (metadata.name !== name) {
    diagnostics.push(parsed.yaml.diagnostic(['metadata', 'name'], `metadata.name "${metadata.name}" does not match its directory "${name}"`, 'Rename one so both say the same.'));
  }
  if (metadata.stack && metadata.stack !== stack) {
    diagnostics.push(parsed.yaml.diagnostic(['metadata', 'stack'], `metadata.stack "${metadata.stack}" does not match the stack directory "${stack}"`, 'Fix metadata.stack or move the service.'));
  }
  return { name, stack, spec, annotations: { ...metadata.annotations }, components: [], source: parsed.yaml.locate(['kind']) };
}

/** Reads and validates one whole file against `schema`; undefined (with diagnostics) when invalid. */
function parseWith<T extends z.ZodType>(absolute: string, file: string, schema: T, diagnostics: Diagnostic[]): { yaml: YamlFile; data: z.infer<T> } | undefined {
  const { yaml, diagnostics: syntax } = YamlFile.read(absolute, file);
  if (syntax.length) {
    diagnostics.push(...syntax);
    return undefined;
  }
  // Otherwise zod reports `"" must be an object, not null` for an empty file.
  if (!yaml.value || typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
    diagnostics.push(yaml.diagnostic([], 'file is empty or not a mapping', `Start with apiVersion: ${API_VERSION}, kind, metadata and spec.`));
    return undefined;
  }
  const parsed = schema.safeParse(yaml.value, { reportInput: true });
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, schema, (p) => ({ file: yaml, path: p })));
    return undefined;
  }
  return { yaml, data: parsed.data };
}

function checkTests(root: string, service: DesiredService, declared: Set<string>, diagnostics: Diagnostic[]): void {
  const file = serviceFile(root, service);
  const names = new Set<string>();
  service.spec.tests.forEach((test, index) => {
    if (names.has(test.name)) diagnostics.push(file().diagnostic(['spec', 'tests', index, 'name'], `test "${test.name}" is defined twice`, 'Give each test its own name.'));
    names.add(test.name);
    if ('http' in test && !declared.has(`${service.name}/${test.http.component}`)) {
      const suggestion = didYouMean(test.http.component, [...declared].flatMap((id) => { const name = parseComponentId(id); return name?.service === service.name ? [name.component] : []; }));
      diagnostics.push(file().diagnostic(['spec', 'tests', index, 'http', 'component'], `test "${test.name}" targets unknown component "${test.http.component}"`, suggestion ? `Did you mean "${suggestion}"?` : undefined));
    }
  });
}

/**
 * service.yaml again, to point at a problem in it: read on the first problem only, and once however
 * many follow (reading it per problem made N problems cost N parses of the file).
 */
function serviceFile(root: string, service: DesiredService): () => YamlFile {
  let yaml: YamlFile | undefined;
  return () => (yaml ??= YamlFile.read(path.join(root, service.source.file), service.source.file).yaml);
}

/** A service's dependsOn names other services of the stack; a misspelled one is not silently ignored. */
function checkServiceDependencies(root: string, service: DesiredService, serviceNames: string[], diagnostics: Diagnostic[]): void {
  const file = serviceFile(root, service);
  service.spec.dependsOn.forEach((name, index) => {
    if (serviceNames.includes(name)) return;
    const suggestion = didYouMean(name, serviceNames);
    diagnostics.push(file().diagnostic(['spec', 'dependsOn', index], `unknown service "${name}"`, suggestion ? `Did you mean "${suggestion}"?` : `Services in this stack: ${serviceNames.join(', ')}.`));
  });
}

type RepositorySpec = RepositoryFile['spec'];

/** An approver that is an email, or a name deployer.yaml gives to an identity (a group member, a key's owner, a Slack or GitHub user). */
function isIdentity(name: string, repository: RepositorySpec | undefined): boolean {
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(name) || /^github:[A-Za-z0-9-]+$/.test(name)) return true;
  if (!repository) return false;
  const known = [...Object.values(repository.groups).flat(), ...Object.keys(repository.signingKeys), ...Object.values(repository.slackUsers), ...Object.values(repository.githubUsers), ...repository.breakGlass];
  return known.some((identity) => sameIdentity(identity, name));
}

/**
 * Each approver is a group of deployer.yaml or an identity: a misspelled group would otherwise load,
 * and then nobody could approve until the approval timed out.
 */
function checkApprovers(root: string, service: DesiredService, repository: RepositorySpec | undefined, diagnostics: Diagnostic[]): void {
  const file = serviceFile(root, service);
  const groups = Object.keys(repository?.groups ?? {});
  service.spec.approvers.forEach((name, index) => {
    if (groups.includes(name) || isIdentity(name, repository)) return;
    const suggestion = didYouMean(name, groups);
    const listed = groups.length ? `Groups in deployer.yaml: ${[...groups].sort().join(', ')}.` : 'deployer.yaml declares no groups (spec.groups).';
    diagnostics.push(
      file().diagnostic(['spec', 'approvers', index], `unknown approver "${name}": not a group of deployer.yaml nor an identity (an email, or github:<login>)`, `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${listed}`),
    );
  });
}

/**
 * The target an environment file names even when the file is invalid otherwise; undefined when it
 * names none that exists (its own diagnostic says so).
 */
function writtenTarget(root: string, name: string): EnvironmentSpec['target'] | undefined {
  const rel = ['yaml', 'yml'].map((extension) => `environments/${name}.${extension}`).find((file) => fs.existsSync(path.join(root, file)));
  if (!rel) return undefined;
  const { yaml, diagnostics } = YamlFile.read(path.join(root, rel), rel);
  if (diagnostics.length) return undefined;
  const target = environmentFileSchema.shape.spec.shape.target.safeParse((yaml.value as { spec?: { target?: unknown } } | null)?.spec?.target);
  return target.success ? target.data : undefined;
}

/** The environments declared by file name (environments/<name>.yaml), valid or not. */
function environmentNames(root: string): string[] {
  const dir = path.join(root, 'environments');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).map((file) => file.replace(/\.ya?ml$/, ''));
}

function listDirs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
