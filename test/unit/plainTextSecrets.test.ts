import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Diagnostic, formatDiagnostic } from '../../src/model/diagnostics';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { findSecret, holdsSecret } from '../../src/model/secrets';
import { ModelValidationError } from '../../src/errors';

// Secrets written in plain text in a deployment repo: warned about (a literal variable or a config
// file named like a secret) or refused (a config file whose content holds one), each at file:line:col.

const example = path.resolve(__dirname, '../../examples/deployment-repo');
const API = 'stacks/user-platform/services/notification-service/components/api';

describe('names that hold secrets', () => {
  it.each(['DB_PASSWORD', 'POSTGRES_PASSWORD', 'DBPASSWORD', 'GITHUB_TOKEN', 'SLACK_BOT_TOKEN', 'JWT_SECRET', 'client_secret', 'AWS_SECRET_ACCESS_KEY', 'STRIPE_API_KEY', 'apiKey', 'api-key', 'PRIVATE_KEY', 'GOOGLE_CREDENTIALS', 'secrets', 'db-password'])(
    '%s holds one',
    (name) => expect(holdsSecret(name)).toBe(true),
  );

  it.each(['LOG_LEVEL', 'DATABASE_HOST', 'TOKENIZER_MODEL', 'MAX_TOKENS', 'SECRET_ARN', 'DB_PASSWORD_FILE', 'TOKEN_URL', 'PASSWORD_MIN_LENGTH', 'TOKEN_TTL', 'passwordFile', 'SECRETARY', 'app'])(
    '%s does not',
    (name) => expect(holdsSecret(name)).toBe(false),
  );
});

describe('secrets in a config file', () => {
  it('finds a private key, a password in a URL and a secret-named key set to a literal, at line and column', () => {
    expect(findSecret('tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIE...\n')).toEqual({ line: 3, col: 5, what: 'a private key' });
    expect(findSecret('-----BEGIN OPENSSH PRIVATE KEY-----')).toEqual({ line: 1, col: 1, what: 'a private key' });
    expect(findSecret('database:\n  url: postgres://app:hunter2@db:5432/app\n')).toEqual({ line: 2, col: 8, what: 'a password in a URL' });
    expect(findSecret('smtp:\n  host: mail\n  password: hunter2\n')).toEqual({ line: 3, col: 3, what: 'a value for "password"' });
    expect(findSecret('{\n  "apiKey": "abc123",\n}')).toEqual({ line: 2, col: 4, what: 'a value for "apiKey"' });
    expect(findSecret('export DB_PASSWORD=hunter2 # local')).toEqual({ line: 1, col: 8, what: 'a value for "DB_PASSWORD"' });
    expect(findSecret('users:\n  - token: abc\n')).toEqual({ line: 2, col: 5, what: 'a value for "token"' });
  });

  it('leaves placeholders, empty values, numbers, booleans and references alone', () => {
    const safe = [
      'password: ${DB_PASSWORD}',
      'password: $DB_PASSWORD',
      'token: "{{ .Token }}"',
      'api_key: <your-key>',
      'password:',
      'password: ""',
      'token: ~',
      'secret: true',
      'max_tokens: 1000',
      'token_ttl: 3600',
      'password_file: /run/secrets/db',
      'secret_arn: arn:aws:secretsmanager:us-east-1:1:secret:db',
      'url: postgres://app@db:5432/app',
      'url: postgres://app:${DB_PASSWORD}@db/app',
      'private_key: |',
      'tokenizer: bert',
    ];
    for (const line of safe) expect([line, findSecret(line)]).toEqual([line, undefined]);
    expect(findSecret(fs.readFileSync(path.join(example, API, 'configs/app.yaml'), 'utf8'))).toBeUndefined();
  });
});

describe('loading a repo with secrets in plain text', () => {
  let repo: string;
  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-plain-secrets-'));
    fs.cpSync(example, repo, { recursive: true });
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  const edit = (file: string, change: (text: string) => string) => fs.writeFileSync(path.join(repo, file), change(fs.readFileSync(path.join(repo, file), 'utf8')));
  const load = (warnings: Diagnostic[]) => loadDesiredStack({ root: repo, stack: 'user-platform', environment: 'production', variables: { VERSION: 'v1.2.0' }, warnings });

  it('warns about a literal variable and a config file named like a secret, with file:line:col and secretFrom; the repo still loads', () => {
    edit(`${API}/microservice.yaml`, (text) => text.replace('    - name: LOG_LEVEL\n      value: info\n', '    - name: LOG_LEVEL\n      value: info\n    - name: API_TOKEN\n      value: tok-123\n    - name: TOKEN_TTL\n      value: "60"\n'));
    fs.writeFileSync(path.join(repo, API, 'configs/credentials.json'), '{ "user": "app" }\n');
    const warnings: Diagnostic[] = [];
    expect(load(warnings).services.length).toBe(2);
    expect(warnings.map(formatDiagnostic)).toEqual([
      `${API}/configs/credentials.json:1:1: warning: config file credentials.json is named like a secret; if it holds one, it is stored in workflow history, the release log and the Pulumi state, and printed by apply --json and status --json\n` +
        '    → If it does, remove the file. Keep the value in a secret store and give it to the service with secretFrom: { secret: NAME } (a Secrets Manager secret or SSM parameter on aws, an environment variable of the worker on the local target).',
      `${API}/microservice.yaml:25:14 (spec.environment[1].value): warning: API_TOKEN looks like a secret written as a literal value: it is stored in workflow history, the release log and the Pulumi state, and printed by apply --json and status --json\n` +
        '    → Keep the value in a secret store and give it to the service with secretFrom: { secret: NAME } (a Secrets Manager secret or SSM parameter on aws, an environment variable of the worker on the local target).',
    ]);
    expect(warnings.every((warning) => warning.severity === 'warning')).toBe(true);
  });

  it('points at the overrides block that wrote the literal', () => {
    edit(`${API}/infra.yaml`, (text) => `${text}  staging:\n    environment:\n      - name: DB_PASSWORD\n        value: staging-only\n`);
    const warnings: Diagnostic[] = [];
    loadDesiredStack({ root: repo, stack: 'user-platform', environment: 'staging', variables: { VERSION: 'v1.2.0' }, warnings });
    expect(warnings.map((w) => `${w.file} ${w.path}`)).toEqual([`${API}/infra.yaml overrides.staging.environment[0].value`]);
  });

  it('refuses a config file that holds a secret, at its line, and still reports the warnings', () => {
    fs.writeFileSync(path.join(repo, API, 'configs/app.yaml'), 'email:\n  maxRetries: 3\n  smtpPassword: hunter2\n');
    edit(`${API}/microservice.yaml`, (text) => text.replace('    - name: LOG_LEVEL\n      value: info\n', '    - name: LOG_LEVEL\n      value: info\n    - name: SLACK_TOKEN\n      value: xoxb-1\n'));
    const warnings: Diagnostic[] = [];
    let error: unknown;
    try {
      load(warnings);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as ModelValidationError).diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`)).toEqual([
      `${API}/configs/app.yaml:3:3 config file app.yaml holds a value for "smtpPassword": it is stored in workflow history, the release log and the Pulumi state, and printed by apply --json and status --json`,
    ]);
    expect((error as ModelValidationError).diagnostics[0]!.hint).toMatch(/^Remove it from the file\. .*secretFrom/);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^SLACK_TOKEN looks like a secret/)]);
  });

  it('says nothing about the example repo, whose password comes through valueFrom', () => {
    const warnings: Diagnostic[] = [];
    load(warnings);
    expect(warnings).toEqual([]);
  });
});
