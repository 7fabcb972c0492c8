import fs from 'node:fs';
import path from 'node:path';
import { toolsBinDir } from './paths';
import { ToolMissingError } from './errors';

const overrides = {
  temporal: 'DEPLOYER_TEMPORAL_CLI',
  pulumi: 'DEPLOYER_PULUMI_CLI',
  'redis-server': 'DEPLOYER_REDIS_SERVER',
  moto_server: 'DEPLOYER_MOTO_SERVER',
} as const;

/**
 * Absolute path of a tool that setup provides (temporal, pulumi, redis-server, moto_server): the
 * explicit override, else what setup installed.
 */
export function toolPath(tool: keyof typeof overrides): string {
  const explicit = process.env[overrides[tool]];
  const candidate = explicit ?? path.join(toolsBinDir, tool);
  if (!fs.existsSync(candidate)) {
    throw new ToolMissingError(
      `${tool} not found at ${candidate}. Run \`npm run setup\`, or set ${overrides[tool]}=/path/to/${tool}.`,
    );
  }
  return candidate;
}

/**
 * Environment for every Pulumi engine run: our tools first on PATH (the engine finds the dynamic
 * provider plugin there), no update checks and no plugin downloads (these machines are offline).
 */
export function pulumiEnv(): Record<string, string> {
  return {
    PATH: [path.dirname(toolPath('pulumi')), toolsBinDir, process.env.PATH ?? ''].join(path.delimiter),
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
  };
}
