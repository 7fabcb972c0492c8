import fs from 'node:fs';
import path from 'node:path';
import { BaseCommand } from '../baseCommand';
import { Diagnostic, formatDiagnostic, formatWarnings, sortDiagnostics } from '../../src/model/diagnostics';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { ModelValidationError } from '../../src/errors';
import { EXIT } from '../exitCodes';
import { environmentFlag, findRepoRoot, parseVars, repoFlags, stackFlag } from '../flags';

export default class Validate extends BaseCommand {
  static override summary = 'Check the deployment repo: every problem at once, each with file:line:col and what to do.';
  static override description =
    'Validates every stack in every environment unless --stack / --environment narrow it. Warnings (such as a secret written in plain text) are printed but do not fail it. Exit codes: 0 valid (warnings or not), 1 invalid, 2 usage.';
  static override examples = [
    '<%= config.bin %> validate --var VERSION=v1.2.0',
    '<%= config.bin %> validate --stack user-platform --environment production --var VERSION=v1.2.0 --json',
  ];
  static override flags = {
    ...repoFlags,
    stack: stackFlag({ description: 'Only this stack.' }),
    environment: environmentFlag({ description: 'Only this environment.' }),
  };

  async run() {
    const { flags } = await this.parse(Validate);
    const root = findRepoRoot(flags.repo);
    const variables = parseVars(flags.var);
    const stacks = flags.stack ? [flags.stack] : listNames(path.join(root, 'stacks'), true);
    const environments = flags.environment ? [flags.environment] : listNames(path.join(root, 'environments'), false);
    const problems: Diagnostic[] = [];
    const warned: Diagnostic[] = [];
    let components = 0;
    if (!environments.length) {
      problems.push({ file: 'environments/', line: 1, col: 1, path: '', message: 'the repo declares no environments', hint: 'Add environments/<name>.yaml (e.g. production.yaml) with apiVersion, kind: Environment, metadata.name and spec.' });
    }
    for (const stack of stacks) {
      for (const environment of environments) {
        try {
          const desired = loadDesiredStack({ root, stack, environment, variables, warnings: warned });
          components += desired.services.reduce((sum, service) => sum + service.components.length, 0);
        } catch (error) {
          if (!(error instanceof ModelValidationError)) throw error;
          problems.push(...error.diagnostics);
        }
      }
    }
    const diagnostics = reportedOnce(problems);
    const warnings = reportedOnce(warned);
    const result = { valid: diagnostics.length === 0, repo: root, stacks, environments, diagnostics, warnings };
    if (!this.jsonEnabled()) {
      if (result.valid) this.log(`✓ Deployment repo is valid: ${stacks.length} stack(s) × ${environments.length} environment(s), ${components} component configurations checked.`);
      else this.log(`✗ ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} found:\n\n${diagnostics.map(formatDiagnostic).join('\n')}`);
      if (warnings.length) this.log(`\n${formatWarnings(warnings)}`);
    }
    if (!result.valid) process.exitCode = EXIT.failure;
    return result;
  }
}

/** The same file problem shows up once per environment; report it once, in file order. */
function reportedOnce(diagnostics: Diagnostic[]): Diagnostic[] {
  return sortDiagnostics([...new Map(diagnostics.map((d) => [formatDiagnostic(d), d])).values()]);
}

function listNames(dir: string, directories: boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => (directories ? entry.isDirectory() : /\.ya?ml$/.test(entry.name)))
    .map((entry) => entry.name.replace(/\.ya?ml$/, ''))
    .sort();
}
