import fs from 'node:fs';

// Characters that mean something only to a shell: the runtime runs a command's argv directly.
const SHELL_SYNTAX = /[;&|<>`$]/;

/**
 * Why a replica's command could not be started, with the likely fix. The usual mistake is a whole
 * command line as one argv entry (`["node server.js"]`), which the OS looks up as one file name.
 */
export function describeSpawnFailure(command: string[], workingDir: string, error: NodeJS.ErrnoException): string {
  const reason = `cannot start \`${command.join(' ')}\`: spawn ${error.code ?? error.message}`;
  // A missing working directory is also reported as ENOENT, naming the command.
  if (error.code === 'ENOENT' && !fs.existsSync(workingDir)) return `${reason} (its working directory ${workingDir} does not exist)`;
  const [only] = command;
  if (error.code === 'ENOENT' && command.length === 1 && only && /\s/.test(only.trim())) return `${reason} (${splitHint(only)})`;
  return reason;
}

function splitHint(entry: string): string {
  const shell = SHELL_SYNTAX.exec(entry);
  const words = entry.slice(0, shell?.index).trim().split(/\s+/);
  const hint = `the command is one argv entry; split it: [${words.join(', ')}]`;
  return shell ? `${hint}; \`${shell[0]}\` is shell syntax, which needs [sh, -c, "..."]` : hint;
}
