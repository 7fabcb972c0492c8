// Proof of who started a GitHub Actions run. A requester named in the environment (`github:<login>`)
// is only claimed: whoever writes the workflow could name anyone. An OIDC token is signed by GitHub,
// so the login, repository and run in it are GitHub's word, not the workflow author's.
import crypto, { type KeyObject } from 'node:crypto';
import { GithubOidcError } from '../errors';

/** The issuer of github.com's Actions OIDC tokens (GitHub Enterprise Server has its own). */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** The audience the deploy action asks GitHub for (`&audience=deployer`). */
export const DEFAULT_GITHUB_OIDC_AUDIENCE = 'deployer';

/** Whose tokens are accepted, and for what. */
export interface GithubOidcSettings {
  /** Who must have issued the token (its `iss`, without a trailing slash); its discovery document names the signing keys. */
  issuer: string;
  /** What the token must have been requested for (one of its `aud`). */
  audience: string;
  /** The `owner/repo`s allowed to deploy; when absent, any repository. */
  allowedRepositories?: readonly string[];
}

/** {@link GithubOidcSettings}, plus what tests replace. */
export interface VerifyGithubOidcOptions extends GithubOidcSettings {
  /** Fetches the discovery document and the keys (default: the global fetch). */
  fetch?: typeof fetch;
  /** The current time in milliseconds since the epoch (default: Date.now). */
  now?: () => number;
}

/** What a verified token proves about the run that requested it. */
export interface GithubActionsClaims {
  /** Login of the user whose action started the run. */
  actor: string;
  /** `owner/repo` the workflow ran in. */
  repository: string;
  /** Git ref the run was for, e.g. `refs/heads/main`. */
  ref: string;
  /** Id of the workflow run. */
  run_id: string;
  /** GitHub's subject, e.g. `repo:owner/repo:environment:production`. */
  sub: string;
}

/**
 * Settings from DEPLOYER_GITHUB_OIDC_ISSUER (default github.com's issuer), DEPLOYER_GITHUB_OIDC_AUDIENCE
 * (default `deployer`) and DEPLOYER_GITHUB_REPOSITORIES (comma-separated `owner/repo`s; unset allows
 * any). Empty variables count as unset, as everywhere in deployer.
 */
export function githubOidcSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): GithubOidcSettings {
  const repositories = (env.DEPLOYER_GITHUB_REPOSITORIES ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const notRepository = repositories.find((name) => !/^[\w.-]+\/[\w.-]+$/.test(name));
  // Fail at start-up: a typo here would otherwise refuse every deployment with a puzzling message.
  if (notRepository !== undefined) throw new Error(`DEPLOYER_GITHUB_REPOSITORIES: "${notRepository}" is not owner/repo`);
  return {
    issuer: (env.DEPLOYER_GITHUB_OIDC_ISSUER?.trim() || GITHUB_ACTIONS_ISSUER).replace(/\/+$/, ''),
    audience: env.DEPLOYER_GITHUB_OIDC_AUDIENCE?.trim() || DEFAULT_GITHUB_OIDC_AUDIENCE,
    ...(repositories.length > 0 ? { allowedRepositories: repositories } : {}),
  };
}

// Clocks of GitHub and of whoever verifies differ a little.
const CLOCK_SKEW_SECONDS = 60;
// GitHub rotates its keys rarely and publishes new ones before signing with them.
const KEYS_TTL_MS = 5 * 60_000;
const FETCH_TIMEOUT_MS = 10_000;
// GitHub's tokens are about 1 KiB: anything far larger is refused before it is parsed.
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Verifies a GitHub Actions OIDC token and returns what it proves: RS256 signature by a key the
 * issuer publishes, `iss`, `aud`, `exp`/`nbf`/`iat` (60 s of clock skew) and, when
 * `allowedRepositories` is set, `repository`.
 *
 * @example
 * const { actor, repository } = await verifyGithubOidcToken(env.DEPLOYER_GITHUB_OIDC_TOKEN, githubOidcSettingsFromEnv());
 * @throws {GithubOidcError} whenever the token is refused, or the issuer's keys cannot be fetched.
 */
export async function verifyGithubOidcToken(token: string, options: VerifyGithubOidcOptions): Promise<GithubActionsClaims> {
  const { issuer, audience, allowedRepositories, fetch: httpFetch = fetch, now = Date.now } = options;
  const { header, payload, signingInput, signature } = decodeJwt(token);

  // Checked before fetching keys: a token from another issuer would otherwise read as "unknown key".
  if (payload.iss !== issuer) throw new GithubOidcError(`the token was issued by ${shown(payload.iss)}, not ${issuer}`, 'wrong-issuer');
  if (header.alg !== 'RS256') throw new GithubOidcError(`the token is signed with ${shown(header.alg)}; only RS256 is accepted`, 'malformed');
  if (header.crit !== undefined) throw new GithubOidcError('the token has critical header extensions, which are not supported', 'malformed');
  if (typeof header.kid !== 'string') throw new GithubOidcError('the token names no signing key (kid)', 'malformed');

  const key = await signingKey(issuer, header.kid, httpFetch, now());
  if (!crypto.verify('sha256', Buffer.from(signingInput), key, signature)) {
    throw new GithubOidcError(`the token's signature does not match ${issuer}'s key ${shown(header.kid)}`, 'bad-signature');
  }

  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(audience)) throw new GithubOidcError(`the token is for audience ${shown(payload.aud)}, not "${audience}"`, 'wrong-audience');
  checkLifetime(payload, now() / 1000);

  const claim = (name: keyof GithubActionsClaims): string => {
    const value = payload[name];
    if (typeof value !== 'string' || value === '') throw new GithubOidcError(`the token has no ${name} claim`, 'malformed');
    return value;
  };
  const claims: GithubActionsClaims = { actor: claim('actor'), repository: claim('repository'), ref: claim('ref'), run_id: claim('run_id'), sub: claim('sub') };
  // GitHub names are case-insensitive; the token carries the canonical spelling, the setting may not.
  if (allowedRepositories && !allowedRepositories.some((name) => name.toLowerCase() === claims.repository.toLowerCase())) {
    throw new GithubOidcError(`repository ${claims.repository} may not deploy (DEPLOYER_GITHUB_REPOSITORIES allows ${allowedRepositories.join(', ')})`, 'repository-not-allowed');
  }
  return claims;
}

type JsonObject = Record<string, unknown>;

function decodeJwt(token: string): { header: JsonObject; payload: JsonObject; signingInput: string; signature: Buffer } {
  if (token.length > MAX_TOKEN_LENGTH) throw new GithubOidcError(`the token is ${token.length} characters long, more than a GitHub token`, 'malformed');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) {
    throw new GithubOidcError('the token is not a JWT (three base64url parts separated by dots)', 'malformed');
  }
  const [header, payload, signature] = parts as [string, string, string];
  return { header: decodeJson(header, 'header'), payload: decodeJson(payload, 'payload'), signingInput: `${header}.${payload}`, signature: Buffer.from(signature, 'base64url') };
}

function decodeJson(part: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new GithubOidcError(`the token's ${what} is not JSON`, 'malformed');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GithubOidcError(`the token's ${what} is not a JSON object`, 'malformed');
  return value as JsonObject;
}

function checkLifetime(payload: JsonObject, nowSeconds: number): void {
  const { exp, nbf, iat } = payload;
  if (typeof exp !== 'number' || typeof iat !== 'number') throw new GithubOidcError('the token lacks a numeric exp or iat', 'malformed');
  if (nowSeconds - CLOCK_SKEW_SECONDS >= exp) throw new GithubOidcError(`the token expired at ${isoTime(exp)}`, 'expired');
  if (typeof nbf === 'number' && nowSeconds + CLOCK_SKEW_SECONDS < nbf) throw new GithubOidcError(`the token is not valid before ${isoTime(nbf)}`, 'not-yet-valid');
  if (nowSeconds + CLOCK_SKEW_SECONDS < iat) throw new GithubOidcError(`the token claims to be issued in the future (${isoTime(iat)})`, 'not-yet-valid');
}

interface CachedKeys {
  fetchedAt: number;
  keys: Promise<Map<string, KeyObject>>;
}

// Per issuer, shared by concurrent verifications so one fetch serves them all.
const keysByIssuer = new Map<string, CachedKeys>();

async function signingKey(issuer: string, kid: string, httpFetch: typeof fetch, now: number): Promise<KeyObject> {
  const cached = keysByIssuer.get(issuer);
  const fresh = cached !== undefined && now - cached.fetchedAt < KEYS_TTL_MS;
  const keys = await (fresh ? cached : fetchKeys(issuer, httpFetch, now)).keys;
  // A kid we have not seen may be a key the issuer published since we fetched: look once more.
  const key = keys.get(kid) ?? (fresh ? (await fetchKeys(issuer, httpFetch, now).keys).get(kid) : undefined);
  if (key === undefined) throw new GithubOidcError(`${issuer} publishes no RS256 key ${shown(kid)}`, 'unknown-key');
  return key;
}

function fetchKeys(issuer: string, httpFetch: typeof fetch, now: number): CachedKeys {
  const entry: CachedKeys = { fetchedAt: now, keys: readKeys(issuer, httpFetch) };
  keysByIssuer.set(issuer, entry);
  // A failed fetch is not cached: the next token tries again.
  entry.keys.catch(() => {
    if (keysByIssuer.get(issuer) === entry) keysByIssuer.delete(issuer);
  });
  return entry;
}

async function readKeys(issuer: string, httpFetch: typeof fetch): Promise<Map<string, KeyObject>> {
  const discovery = await fetchJson(`${issuer}/.well-known/openid-configuration`, httpFetch);
  if (discovery.issuer !== issuer) throw new GithubOidcError(`${issuer}'s discovery document names issuer ${shown(discovery.issuer)}`, 'issuer-unavailable');
  if (typeof discovery.jwks_uri !== 'string') throw new GithubOidcError(`${issuer}'s discovery document has no jwks_uri`, 'issuer-unavailable');
  const jwks = await fetchJson(discovery.jwks_uri, httpFetch);
  if (!Array.isArray(jwks.keys)) throw new GithubOidcError(`${discovery.jwks_uri} has no keys`, 'issuer-unavailable');
  const keys = new Map<string, KeyObject>();
  for (const jwk of jwks.keys as JsonObject[]) {
    // Only RSA signing keys: a key of another type must never verify an RS256 token.
    if (typeof jwk?.kid !== 'string' || jwk.kty !== 'RSA' || (jwk.use ?? 'sig') !== 'sig' || (jwk.alg ?? 'RS256') !== 'RS256') continue;
    try {
      keys.set(jwk.kid, crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: 'jwk' }));
    } catch {
      // A key we cannot read cannot have signed a token we accept.
    }
  }
  return keys;
}

async function fetchJson(url: string, httpFetch: typeof fetch): Promise<JsonObject> {
  try {
    const response = await httpFetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
    return body as JsonObject;
  } catch (error) {
    throw new GithubOidcError(`cannot read ${url}: ${(error as Error).message}`, 'issuer-unavailable');
  }
}

/** A value from the token, quoted and cut short: it is untrusted text going into logs. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function isoTime(seconds: number): string {
  const time = new Date(seconds * 1000);
  // Beyond what Date can hold, toISOString would throw.
  return Number.isNaN(time.getTime()) ? `${seconds} s after the epoch` : time.toISOString();
}
