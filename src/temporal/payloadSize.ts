import { formatBytes } from '../byteSize';
import type { DesiredStack } from '../model/types';
import { PayloadTooLargeError } from '../errors';

/**
 * The largest payload Temporal accepts by default (the server's limit.blobSize.error). A workflow
 * input over it fails to start with only "Failed to start Workflow", so inputs are measured first.
 */
export const TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * Throws PayloadTooLargeError when `input` (a workflow argument carrying the desired state), as the
 * default JSON converter encodes it, is over `limit`: naming the largest variable, since a `--var`
 * value is the usual cause, and the largest component (config files included) for when it is not.
 */
export function checkPayloadSize(input: { desired: DesiredStack }, limit = TEMPORAL_PAYLOAD_LIMIT_BYTES): void {
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes <= limit) return;
  const variable = largest(Object.entries(input.desired.variables).map(([name, value]) => ({ name, bytes: Buffer.byteLength(value) })));
  const component = largest(input.desired.services.flatMap((service) => service.components).map((each) => ({ name: each.id, bytes: Buffer.byteLength(JSON.stringify(each)) })));
  const culprits = [variable && `the largest variable is ${variable.name} (${formatBytes(variable.bytes)})`, component && `the largest component is ${component.name} (${formatBytes(component.bytes)}, its config files included)`];
  throw new PayloadTooLargeError(
    `the deployment's input is ${formatBytes(bytes)}, over Temporal's default limit of ${formatBytes(limit)} per payload: ${culprits.filter(Boolean).join('; ')}. ` +
      'Keep --var values small (a version, an id) and pass large data by reference: an image, a config file baked into it, or a secret (secretFrom).',
  );
}

function largest(items: { name: string; bytes: number }[]): { name: string; bytes: number } | undefined {
  return items.reduce<{ name: string; bytes: number } | undefined>((best, item) => (!best || item.bytes > best.bytes ? item : best), undefined);
}

