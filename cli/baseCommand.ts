import { Command, Flags, Interfaces } from '@oclif/core';
import { Diagnostic, formatWarnings } from '../src/model/diagnostics';
import { causes, DeployerError, ModelValidationError, rootCause } from '../src/errors';
import { printable } from '../src/client/render/format';
import { EXIT, exitCodeOf } from './exitCodes';

/**
 * What a command says for an error that is not a DeployerError (a bad flag, a bug, a Temporal call
 * that failed), and the exit code. With `--json`: oclif's own `{ error }` is the error object
 * serialized, and an Error's message is not enumerable, so it printed `{"error":{}}`. Without it,
 * for a Temporal failure: oclif printed only the outermost layer ("Workflow execution failed").
 */
export function describeUnexpectedError(error: Error & { code?: unknown }): { error: { code: string; message: string }; exitCode: number } {
  const exitCode = exitCodeOf(error);
  const code = typeof error.code === 'string' ? error.code : exitCode === EXIT.usage ? 'USAGE' : 'UNEXPECTED';
  const message = error.message || error.name || String(error);
  // Temporal wraps the reason in causes ("Workflow execution failed"): say the reason too.
  const reason = causes(error).length ? rootCause(error).message : undefined;
  return { error: { code, message: reason && reason !== message ? `${message}: ${reason}` : message }, exitCode };
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
    'temporal-http-address': Flags.string({
      helpGroup: 'CONNECTION',
      env: 'DEPLOYER_TEMPORAL_HTTP_ADDRESS',
      description:
        'The same frontend\'s HTTP API (host:port, 7243 by Temporal\'s convention): history, show and plan read through it, faster than over gRPC. Untold, a frontend on this machine is assumed to keep it at its gRPC port + 10, as `dev start` opens it; `none`: read over gRPC.',
    }),
    namespace: Flags.string({ helpGroup: 'CONNECTION', env: 'DEPLOYER_TEMPORAL_NAMESPACE', description: 'Temporal namespace.' }),
    'api-key': Flags.string({ helpGroup: 'CONNECTION', env: 'DEPLOYER_TEMPORAL_API_KEY', description: 'Temporal API key (Temporal Cloud); implies --tls.' }),
    tls: Flags.boolean({ helpGroup: 'CONNECTION', env: 'DEPLOYER_TEMPORAL_TLS', description: 'Connect to Temporal over TLS.', allowNo: true }),
  };

  /** The deployment repo's warnings, on stderr also with --json (oclif's logToStderr is silent then), whose stdout stays one JSON document. */
  protected printWarnings(warnings: Diagnostic[]): void {
    if (warnings.length) process.stderr.write(`${formatWarnings(warnings)}\n`);
  }

  protected override async catch(error: Error): Promise<unknown> {
    if (error instanceof ModelValidationError) {
      if (this.jsonEnabled()) this.logJson({ error: { code: error.code, message: 'the deployment repo is invalid', diagnostics: error.diagnostics } });
      else this.logToStderr(error.message);
      this.exit(exitCodeOf(error));
    }
    if (error instanceof DeployerError) {
      if (this.jsonEnabled()) {
        this.logJson({ error: { code: error.code, message: error.message } });
      } else {
        // Messages name holders, versions and reasons other people wrote: printable, line by line.
        this.logToStderr(`Error: ${error.message.split('\n').map(printable).join('\n')}`);
      }
      this.exit(exitCodeOf(error));
    }
    // A Temporal failure in text too: oclif would print only its outermost layer.
    if (this.jsonEnabled() || causes(error).length) {
      const { error: described, exitCode } = describeUnexpectedError(error);
      if (this.jsonEnabled()) this.logJson({ error: described });
      else this.logToStderr(`Error: ${described.message.split('\n').map(printable).join('\n')}`);
      this.exit(exitCode);
    }
    return super.catch(error);
  }
}
