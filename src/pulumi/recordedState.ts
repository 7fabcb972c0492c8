/** A stack's outputs, each flagged secret or not (as `pulumi stack output` tells them apart). */
export type ComponentOutputs = Record<string, { value: unknown; secret: boolean }>;

/** One resource as the stack's state records it, outputs as stored (secrets stay encrypted). */
export interface RecordedResource {
  urn: string;
  type: string;
  id: string;
  outputs: Record<string, unknown>;
}

/** A resource as a state file or an export stores it. */
interface StoredResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  outputs?: Record<string, unknown>;
}

interface Checkpoint {
  checkpoint?: {
    latest?: {
      resources?: StoredResource[];
      pending_operations?: unknown[];
      secrets_providers?: { type?: string; state?: { salt?: string } };
    };
  };
}

function asRecorded(resource: StoredResource, outputs = resource.outputs ?? {}): RecordedResource {
  return { urn: resource.urn, type: resource.type, id: resource.id ?? '', outputs };
}

/** A resource's name: the last part of its URN. */
export function resourceName(urn: string): string {
  return urn.slice(urn.lastIndexOf('::') + 2);
}

/**
 * The resources a stack's state file (`stacks/<project>/<stack>.json` of a DIY backend) records,
 * without the stack itself and its providers. Undefined when the state cannot be taken at its word:
 * no state yet, or operations an interrupted engine left pending (only a refresh settles those).
 */
export function recordedResources(checkpointJson: string | undefined): RecordedResource[] | undefined {
  if (checkpointJson === undefined) return undefined;
  const latest = (JSON.parse(checkpointJson) as Checkpoint).checkpoint?.latest;
  if (!latest?.resources || latest.pending_operations?.length) return undefined;
  return latest.resources
    .filter((resource) => resource.custom !== false && isOwnResource(resource))
    .map((resource) => asRecorded(resource));
}

/** Every resource the state records (the stack itself and providers aside), pending operations or not: what a run over some of them must leave alone. */
export function recordedUrns(checkpointJson: string | undefined): string[] {
  if (checkpointJson === undefined) return [];
  const resources = (JSON.parse(checkpointJson) as Checkpoint).checkpoint?.latest?.resources ?? [];
  return resources.filter(isOwnResource).map((resource) => resource.urn);
}

/**
 * The stack's outputs as its state records them, each flagged not secret, when none of them holds a
 * secret: what `pulumi stack output` shows, read without the engine. Undefined when one holds a
 * secret (stored encrypted: only the engine, with the passphrase, reads it). No state, or a stack
 * without resources, has no outputs.
 */
export function recordedStackOutputs(checkpointJson: string | undefined): ComponentOutputs | undefined {
  if (checkpointJson === undefined) return {};
  const resources = (JSON.parse(checkpointJson) as Checkpoint).checkpoint?.latest?.resources ?? [];
  const outputs = resources.find((resource) => resource.type === 'pulumi:pulumi:Stack')?.outputs ?? {};
  if (JSON.stringify(outputs).includes(SECRET_SIGNATURE)) return undefined;
  return Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { value, secret: false }]));
}

/** The salt of the passphrase the state's secrets are encrypted with; undefined for another provider, or no secrets provider yet. */
export function recordedEncryptionSalt(checkpointJson: string): string | undefined {
  const providers = (JSON.parse(checkpointJson) as Checkpoint).checkpoint?.latest?.secrets_providers;
  return providers?.type === 'passphrase' ? providers.state?.salt : undefined;
}

/** The resource named `name` (the last part of its URN) among those the state records, stack and providers aside. */
export function recordedResourceNamed(checkpointJson: string | undefined, name: string): RecordedResource | undefined {
  if (checkpointJson === undefined) return undefined;
  const resources = (JSON.parse(checkpointJson) as Checkpoint).checkpoint?.latest?.resources ?? [];
  const resource = resources.find(named(name));
  return resource && asRecorded(resource);
}

/** The resources of an exported deployment (`pulumi stack export --show-secrets`), their secrets as plain values. */
export function revealedResourceNamed(deployment: { resources?: StoredResource[] }, name: string): RecordedResource | undefined {
  const resource = deployment.resources?.find(named(name));
  return resource && asRecorded(resource, Object.fromEntries(Object.entries(resource.outputs ?? {}).map(([key, value]) => [key, revealed(value)])));
}

/** A value of an export with secrets shown: a secret is `{ <signature>, plaintext: <its JSON> }`. */
function revealed(value: unknown): unknown {
  if (!isRecordedSecret(value)) return value;
  const plaintext = (value as { plaintext?: string }).plaintext;
  return plaintext === undefined ? value : JSON.parse(plaintext);
}

/** A resource of the program's, not the stack's own resource or a provider. */
function isOwnResource(resource: { type: string }): boolean {
  return resource.type !== 'pulumi:pulumi:Stack' && !resource.type.startsWith('pulumi:providers:');
}

/** Finds the program's resource named `name`. */
function named(name: string) {
  return (resource: StoredResource) => isOwnResource(resource) && resourceName(resource.urn) === name;
}

// Pulumi's marker of a secret value in state: `{ <SECRET_SIGNATURE>: SECRET_SIG_VALUE, ciphertext }`.
const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d';

/** Whether a recorded value is a secret (stored encrypted). */
export function isRecordedSecret(value: unknown): boolean {
  return typeof value === 'object' && value !== null && SECRET_SIGNATURE in value;
}
