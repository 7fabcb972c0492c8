import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { conventionalHttpAddress, devEndpoints } from '../src/devenv/endpoints';
import { DEFAULT_NAMESPACE } from '../src/temporal/contracts';
import type { TemporalSettings } from '../src/temporal/connection';
import { DeployerError } from '../src/errors';

export interface ConnectionFlags {
  'temporal-address'?: string;
  'temporal-http-address'?: string;
  namespace?: string;
  'api-key'?: string;
  tls?: boolean;
}

/** The HTTP address that says: read over gRPC, assume no HTTP API. */
const NO_HTTP_ADDRESS = 'none';

/** `~/.config/deployer/config.json` (or DEPLOYER_CONFIG): `{ "temporal": { "address", "httpAddress", "namespace", "apiKey", "tls" } }`. */
export function configFile(): string {
  return process.env.DEPLOYER_CONFIG ?? path.join(os.homedir(), '.config', 'deployer', 'config.json');
}

/**
 * Where to reach Temporal: flags (which also read DEPLOYER_TEMPORAL_* variables), then the config
 * file, then the local dev server that `deployer dev start` recorded. The HTTP API's address comes
 * with the gRPC address it belongs to: a server named by flag is not given the dev server's. Where
 * none is told, a server on this machine is assumed to keep it by the dev server's convention
 * (reads fall back to gRPC when it does not); `none` means gRPC.
 */
export function resolveSettings(flags: ConnectionFlags): TemporalSettings {
  let config: Partial<TemporalSettings> = {};
  try {
    config = (JSON.parse(fs.readFileSync(configFile(), 'utf8')) as { temporal?: Partial<TemporalSettings> }).temporal ?? {};
  } catch {
    // No config file: flags and the dev server decide.
  }
  const dev = devEndpoints();
  const apiKey = flags['api-key'] ?? config.apiKey;
  const address = flags['temporal-address'] ?? config.address ?? dev.temporalAddress;
  const toldHttpAddress = flags['temporal-http-address'] ?? (flags['temporal-address'] !== undefined ? undefined : config.address !== undefined ? config.httpAddress : dev.temporalHttpAddress);
  const assumedHttpAddress = toldHttpAddress === undefined ? conventionalHttpAddress(address) : undefined;
  return {
    address,
    httpAddress: toldHttpAddress === NO_HTTP_ADDRESS ? undefined : (toldHttpAddress ?? assumedHttpAddress),
    ...(assumedHttpAddress === undefined ? {} : { httpAddressAssumed: true }),
    namespace: flags.namespace ?? config.namespace ?? dev.namespace ?? DEFAULT_NAMESPACE,
    apiKey,
    tls: flags.tls ?? config.tls ?? Boolean(apiKey),
  };
}

/** A Temporal client, or an error that says where it looked and how to fix it. */
export async function connectTemporal(flags: ConnectionFlags): Promise<{ client: Client; settings: TemporalSettings; close: () => Promise<void> }> {
  const settings = resolveSettings(flags);
  const { openClient } = await import('../src/temporal/connection');
  try {
    return { ...(await openClient(settings, 3000)), settings };
  } catch (error) {
    throw new DeployerError(
      `cannot reach Temporal at ${settings.address} (${(error as Error).message}). Start the local one with \`deployer dev start\`, or point at yours with --temporal-address / DEPLOYER_TEMPORAL_ADDRESS.`,
      'TEMPORAL_UNREACHABLE',
    );
  }
}
