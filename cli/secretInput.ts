import { DeployerError } from '../src/errors';

// A secret's value never comes from argv (shell history, `ps`) and is never echoed: piped on
// stdin, or typed at a prompt that does not show it.

/** The value piped on stdin, or typed at a hidden prompt on a terminal. */
export async function readSecretValue(name: string, input: NodeJS.ReadStream = process.stdin, prompt: NodeJS.WriteStream = process.stderr): Promise<string> {
  const value = input.isTTY ? await hiddenPrompt(`Value of ${name} (not shown): `, input, prompt) : withoutFinalNewline(await readAll(input));
  if (!value) throw new DeployerError(`no value given for ${name}: pipe it on stdin (e.g. \`pass show ${name} | deployer dev secrets set ${name}\`) or type it at the prompt`, 'EMPTY_SECRET');
  return value;
}

/** `printf 'x\n'` and `echo x` end with a newline that is not part of the secret. */
export function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function hiddenPrompt(question: string, input: NodeJS.ReadStream, prompt: NodeJS.WriteStream): Promise<string> {
  prompt.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (outcome: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      prompt.write('\n');
      outcome();
    };
    const onData = (keys: string) => {
      for (const key of keys) {
        if (key === '\r' || key === '\n' || key === '\u0004') return finish(() => resolve(value));
        if (key === '\u0003') return finish(() => reject(new DeployerError('cancelled: nothing stored', 'CANCELLED')));
        if (key === '\u007f' || key === '\b') value = value.slice(0, -1);
        else value += key;
      }
    };
    input.on('data', onData);
  });
}
