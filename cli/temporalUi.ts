// Links into the Temporal UI for the workflows a command names. Readable without loading Temporal.
import fs from 'node:fs';
import { devEndpoints } from '../src/devenv/endpoints';
import type { TemporalSettings } from '../src/temporal/connection';
import { configFile } from './temporalClient';

/**
 * The Temporal UI's base URL for the server a command talks to: DEPLOYER_TEMPORAL_UI, else
 * `temporal.uiUrl` in the config file, else Temporal Cloud's UI for a `*.tmprl.cloud` address, else
 * the local dev server's UI when that is the server in use. Undefined when none is known (a
 * self-hosted server without a configured UI): a wrong link would be worse than none.
 */
export function temporalUiUrl(settings: Pick<TemporalSettings, 'address'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.DEPLOYER_TEMPORAL_UI?.trim() || configuredUiUrl();
  if (explicit) return explicit.replace(/\/+$/, '');
  if (/\.tmprl\.cloud(:\d+)?$/.test(settings.address)) return 'https://cloud.temporal.io';
  const dev = devEndpoints();
  return sameServer(settings.address, dev.temporalAddress) ? dev.uiUrl.replace(/\/+$/, '') : undefined;
}

/** `<ui>/namespaces/<namespace>/workflows/<workflowId>` (the id encoded: ours contain slashes). */
export function workflowUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  if (!uiUrl) return undefined;
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function configuredUiUrl(): string | undefined {
  try {
    const config = JSON.parse(fs.readFileSync(configFile(), 'utf8')) as { temporal?: { uiUrl?: unknown } };
    return typeof config.temporal?.uiUrl === 'string' ? config.temporal.uiUrl.trim() || undefined : undefined;
  } catch {
    return undefined;
  }
}

function sameServer(a: string, b: string): boolean {
  const normal = (address: string) => address.trim().replace(/^localhost(?=:)/, '127.0.0.1');
  return normal(a) === normal(b);
}
