// Secrets written in plain text in a deployment repo. Whatever a component's spec or configs/ hold
// travels as data: in the workflow's input (Temporal history), the release log, the Pulumi checkpoint,
// `apply --json` and `status --json`. Only `secretFrom` keeps a value out of all of them.

/**
 * Names whose values are never shown (plans, drift reports): any name containing PASSWORD, SECRET,
 * TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL, ... in any case. Broad on purpose: a false match only
 * hides a value.
 */
export const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

// Narrower, for warnings and refusals, where a false match is noise people learn to ignore: the
// words SECRET(S), TOKEN, CREDENTIAL(S), API KEY, PRIVATE KEY, ACCESS KEY, and PASSWORD anywhere
// (DBPASSWORD), in names normalized to UPPER_SNAKE (apiKey, api-key and API_KEY alike). TOKENIZER,
// MAX_TOKENS and SECRETARY hold no secret.
const SECRET_WORDS = /PASSWORD|PASSWD|PASSPHRASE|(^|_)(SECRETS?|TOKEN|CREDENTIALS?|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY)(_|$)/;
// A last word that makes the name about a secret rather than the secret itself: SECRET_ARN,
// DB_PASSWORD_FILE, TOKEN_URL, PASSWORD_MIN_LENGTH, TOKEN_TTL.
const REFERENCE_WORD = /_(ARN|NAME|ID|PATH|FILE|DIR|URL|URI|ENDPOINT|HEADER|LENGTH|TTL|TIMEOUT|SECONDS|ENABLED|TYPE)$/;

/** Whether a variable or key named so most likely holds a secret itself (DB_PASSWORD, githubToken, client-secret). */
export function holdsSecret(name: string): boolean {
  const normalized = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-.\s/]+/g, '_')
    .toUpperCase();
  return SECRET_WORDS.test(normalized) && !REFERENCE_WORD.test(normalized);
}

/** Where a text holds a secret, and what kind: 1-based line and column. */
export interface SecretInText {
  line: number;
  col: number;
  what: string;
}

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/;
// user:password@ in a URL (postgres://app:s3cr3t@db:5432/app).
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]+)@/i;
// `password: s3cr3t`, `- token: ...`, `"apiKey": "..."`, `DB_PASSWORD=...`, `client_secret = '...'`.
const ASSIGNMENT = /^\s*(?:-\s+|export\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*(.*?)\s*,?\s*$/;

/**
 * The first place a text (a config file) holds a secret: a private key, credentials in a URL, or a
 * secret-holding key set to a literal. Placeholders (`${DB_PASSWORD}`, `$TOKEN`, `{{ .Token }}`,
 * `<your-key>`), empty values, numbers and booleans are not secrets: a config may name where a
 * secret comes from.
 */
export function findSecret(text: string): SecretInText | undefined {
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const at = (column: number, what: string) => ({ line: index + 1, col: column + 1, what });
    const key = PRIVATE_KEY.exec(line);
    if (key) return at(key.index, 'a private key');
    const url = URL_CREDENTIALS.exec(line);
    if (url && isLiteral(url[1]!)) return at(url.index, 'a password in a URL');
    const assignment = ASSIGNMENT.exec(line);
    if (assignment && holdsSecret(assignment[1]!) && isLiteral(assignment[2]!)) return at(line.indexOf(assignment[1]!), `a value for "${assignment[1]}"`);
  }
  return undefined;
}

function isLiteral(raw: string): boolean {
  const value = raw.replace(/\s+#.*$/, '').replace(/^(["'])(.*)\1$/, '$2').trim();
  if (!value || /^[|>][-+]?$/.test(value)) return false; // empty, or a YAML block: its lines are checked on their own
  if (/^(null|~|true|false|yes|no)$/i.test(value) || /^-?\d+(\.\d+)?$/.test(value)) return false;
  return !/^(\$|\{\{|%\(|<)|^\*+$/.test(value);
}
