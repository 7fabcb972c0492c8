import { Command, Flags, Interfaces } from '@oclif/core';
import { Diagnostic, formatWarnings, ModelValidationError } from '../src/model/diagnostics';

/** Stable exit codes, documented in docs/cli.md; scripts may rely on them. */
export const EXIT = {
  success: 0,
  failure: 1,
  usage: 2,
  locked: 3,
  rejected: 4,
  driftFound: 5,
} as const;

/** An error the user can act on: what happened, why, and what to do, with a stable code. */
export class DeployerError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/**
 * Every deployer command: `--json` (oclif prints the returned object), and errors mapped to
 * exit codes and one clear message on stderr.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    'temporal-address': Flags.string({ helpGroup: 'CONNECTION', env: 'DEPLOYER_TEMPORAL_ADDRESS', description: 'Temporal frontend address (host:port).' }),
    namespace: Flags.string({ helpGroup: 'CONNECTION', env: 'DEPLOYER_TEMPORAL_NAMESPACE', description: 'Temporal namespace.' }),
    'api-key': Flags.string({ helpGroup: 'CONNECTION', env: 'DEPLOYER_TEMPORAL_API_KEY', description: 'Temporal API key (Temporal Cloud); implies --tls.' }),
    tls: Flags.boolean({ helpGroup: 'CONNECTION', env: 'DEPLOYER_TEMPORAL_TLS', description: 'Connect to Temporal over TLS.', allowNo: true }),
  };

  /** The deployment repo's warnings, on stderr also with --json (oclif's logToStderr is silent then), whose stdout stays one JSON document. */
  protected printWarnings(warnings: Diagnostic[]): void {
    if (warnings.length) process.stderr.write(`${formatWarnings(warnings)}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof ModelValidationError) {
      if (this.jsonEnabled()) this.logJson({ error: { code: error.code, message: 'the deployment repo is invalid', diagnostics: error.diagnostics } });
      else this.logToStderr(error.message);
      this.exit(EXIT.failure);
    }
    if (error instanceof DeployerError) {
      if (this.jsonEnabled()) {
        this.logJson({ error: { code: error.code, message: error.message } });
      } else {
        this.logToStderr(`Error: ${error.message}`);
      }
      this.exit(error.exitCode);
    }
    return super.catch(error);
  }
}
