// Apart from localSecrets.ts (which reads files): plan blockers run inside workflows, where Node's
// builtins cannot be loaded.

/** Why a deployment cannot start, and the two ways to fix it. */
export function localSecretNotSet(secret: string, variable: string): string {
  return `secret ${secret} for ${variable} is not set; on the local target, store it with \`deployer dev secrets set ${secret}\` (no restart needed), or set it as an environment variable of the worker`;
}
