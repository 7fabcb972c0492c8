import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localSecretNames, localSecretsFile, resolveLocalSecret, setLocalSecret, unsetLocalSecret } from '../../src/targets/local/localSecrets';
import { withoutFinalNewline } from '../../cli/secretInput';

// Local secrets: a file under the state dir that `deployer dev secrets set` writes and the worker
// reads at each resolution, before its own environment variables.
describe('local secrets', () => {
  let home: string;
  const previousHome = process.env.DEPLOYER_HOME;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-secrets-'));
    process.env.DEPLOYER_HOME = home;
  });
  afterEach(() => {
    if (previousHome === undefined) delete process.env.DEPLOYER_HOME;
    else process.env.DEPLOYER_HOME = previousHome;
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('resolves from the worker\'s environment when nothing is stored', () => {
    expect(resolveLocalSecret('STRIPE_KEY', { STRIPE_KEY: 'from-env' })).toBe('from-env');
    expect(resolveLocalSecret('STRIPE_KEY', {})).toBeUndefined();
    expect(localSecretNames()).toEqual([]);
  });

  it('a stored secret wins over the environment variable, and is seen at the next resolution', () => {
    setLocalSecret('STRIPE_KEY', 'first');
    expect(resolveLocalSecret('STRIPE_KEY', { STRIPE_KEY: 'from-env' })).toBe('first');
    setLocalSecret('STRIPE_KEY', 'second');
    expect(resolveLocalSecret('STRIPE_KEY', { STRIPE_KEY: 'from-env' })).toBe('second');
    expect(unsetLocalSecret('STRIPE_KEY')).toBe(true);
    expect(resolveLocalSecret('STRIPE_KEY', { STRIPE_KEY: 'from-env' })).toBe('from-env');
    expect(unsetLocalSecret('STRIPE_KEY')).toBe(false);
  });

  it('keeps the file owner-only, in an owner-only directory under the state dir', () => {
    setLocalSecret('DB_PASSWORD', 'p@ss word\nwith a newline');
    const file = localSecretsFile();
    expect(file.startsWith(home)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(resolveLocalSecret('DB_PASSWORD', {})).toBe('p@ss word\nwith a newline');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['local.json']);
  });

  it('lists names only, sorted', () => {
    setLocalSecret('b/token', 'secret-b');
    setLocalSecret('A_KEY', 'secret-a');
    expect(localSecretNames()).toEqual(['A_KEY', 'b/token']);
  });

  it('refuses a name with whitespace, and treats names like Object methods as plain names', () => {
    expect(() => setLocalSecret('MY KEY', 'x')).toThrow('"MY KEY" is not a valid secret name');
    expect(resolveLocalSecret('constructor', {})).toBeUndefined();
    setLocalSecret('toString', 'x');
    expect(resolveLocalSecret('toString', {})).toBe('x');
  });

  it('drops the newline that echo or printf adds to a piped value, and only that one', () => {
    expect(withoutFinalNewline('s3cret\n')).toBe('s3cret');
    expect(withoutFinalNewline('s3cret\r\n')).toBe('s3cret');
    expect(withoutFinalNewline('s3cret\n\n')).toBe('s3cret\n');
    expect(withoutFinalNewline('s3cret')).toBe('s3cret');
  });
});
