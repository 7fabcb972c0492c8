import fs from 'node:fs';
import path from 'node:path';
import { ownerOnlyDir, writeOwnerOnlyFile } from '../../ownerOnly';
import { stateDir } from '../../paths';

// On the local target a `secretFrom: { secret: NAME }` is resolved by the worker, from two places:
// the secrets file that `deployer dev secrets set` writes under the state dir, then an environment
// variable of the worker's process. The file wins: it is read at each resolution, so a secret set
// or changed there is used by the next deployment without restarting the dev environment, whereas
// the worker's environment is fixed when it starts and cannot be seen from the CLI.

/** What a secret's name may be: what `secretFrom.secret` names, without whitespace or control characters. */
const SECRET_NAME = /^[A-Za-z0-9_./:@-]+$/;

/** The secrets file: `<state dir>/secrets/local.json`, in an owner-only directory. */
export function localSecretsFile(): string {
  return path.join(stateDir(), 'secrets', 'local.json');
}

export function isValidSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The value of local secret `name`: from the secrets file, else from `environment` (the worker's). */
export function resolveLocalSecret(name: string, environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const stored = readSecrets();
  if (Object.hasOwn(stored, name)) return stored[name];
  return Object.hasOwn(environment, name) ? environment[name] : undefined;
}

/** The names stored in the secrets file, sorted (never their values). */
export function localSecretNames(): string[] {
  return Object.keys(readSecrets()).sort();
}

export function setLocalSecret(name: string, value: string): void {
  if (!isValidSecretName(name)) throw new Error(`"${name}" is not a valid secret name`);
  writeSecrets({ ...readSecrets(), [name]: value });
}

/** Whether `name` was stored (and is now removed). */
export function unsetLocalSecret(name: string): boolean {
  const secrets = readSecrets();
  if (!Object.hasOwn(secrets, name)) return false;
  delete secrets[name];
  writeSecrets(secrets);
  return true;
}

function readSecrets(): Record<string, string> {
  const file = localSecretsFile();
  if (!fs.existsSync(file)) return {};
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} is not a JSON object of secret names to values`);
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => typeof value === 'string'));
}

/** A worker reading meanwhile sees the old or the new file, never half of one. */
function writeSecrets(secrets: Record<string, string>): void {
  const file = localSecretsFile();
  ownerOnlyDir(path.dirname(file));
  writeOwnerOnlyFile(file, `${JSON.stringify(secrets, null, 2)}\n`);
}
