import type { Diagnostic } from './diagnostics';
import type { MicroServiceSpec } from './schema';
import { findSecret, holdsSecret } from './secrets';
import type { ConfigFile } from './types';
import type { Origin } from './zodIssues';

const TRAVELS = 'it is stored in workflow history, the release log and the Pulumi state, and printed by apply --json and status --json';
const USE_SECRET_FROM =
  'Keep the value in a secret store and give it to the service with secretFrom: { secret: NAME } (a Secrets Manager secret or SSM parameter on aws, an environment variable of the worker on the local target).';

/**
 * Secrets written in plain text in a MicroService. A literal environment variable or a config file
 * whose name says it holds a secret is a warning: the name may mislead, and the value is the team's
 * to judge. A config file whose content holds a private key, a password in a URL, or a secret-named
 * key set to a literal is refused: that is a secret, and once deployed it sits in workflow history.
 */
export function plainTextSecrets(spec: MicroServiceSpec, configs: ConfigFile[], origin: Origin, configFile: (config: ConfigFile) => string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  spec.environment.forEach((variable, index) => {
    if (!('value' in variable) || !variable.value || !holdsSecret(variable.name)) return;
    const at = origin(['environment', index, 'value']);
    diagnostics.push({ ...at.file.diagnostic(at.path, `${variable.name} looks like a secret written as a literal value: ${TRAVELS}`, USE_SECRET_FROM), severity: 'warning' });
  });
  for (const config of configs) {
    const file = configFile(config);
    const secret = findSecret(config.content);
    if (secret) {
      diagnostics.push({ file, line: secret.line, col: secret.col, path: '', message: `config file ${config.path} holds ${secret.what}: ${TRAVELS}`, hint: `Remove it from the file. ${USE_SECRET_FROM}` });
    } else if (holdsSecret(config.path.replace(/\.[^./]*$/, ''))) {
      diagnostics.push({ file, line: 1, col: 1, path: '', message: `config file ${config.path} is named like a secret; if it holds one, ${TRAVELS}`, hint: `If it does, remove the file. ${USE_SECRET_FROM}`, severity: 'warning' });
    }
  }
  return diagnostics;
}
