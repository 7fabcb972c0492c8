// GitHub Actions OIDC tokens against a local issuer on 127.0.0.1: it serves a discovery document and
// a JWKS from key pairs generated here, and the tokens are signed here, as GitHub would sign them.
import crypto, { type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_GITHUB_OIDC_AUDIENCE, GITHUB_ACTIONS_ISSUER, githubOidcSettingsFromEnv, verifyGithubOidcToken, type VerifyGithubOidcOptions } from '../../src/trust/githubOidc';
import { freePort } from '../../src/tcpPorts';
import { GithubOidcError, type GithubOidcRefusal } from '../../src/errors';

const NOW_SECONDS = Date.parse('2026-12-05T18:00:00Z') / 1000;
const githubKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

interface LocalIssuer {
  url: string;
  /** The keys the JWKS lists, by kid. */
  published: Map<string, KeyObject>;
  requests: { discovery: number; jwks: number };
  close(): Promise<void>;
}

async function startIssuer(): Promise<LocalIssuer> {
  const published = new Map<string, KeyObject>([['key-1', githubKey.publicKey]]);
  const requests = { discovery: 0, jwks: 0 };
  const server = http.createServer((request, response) => {
    const respond = (body: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/.well-known/openid-configuration') {
      requests.discovery++;
      respond({ issuer: url, jwks_uri: `${url}/.well-known/jwks` });
    } else if (request.url === '/.well-known/jwks') {
      requests.jwks++;
      respond({ keys: [...published].map(([kid, key]) => ({ ...key.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' })) });
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    published,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let issuer: LocalIssuer;
beforeEach(async () => (issuer = await startIssuer()));
afterEach(() => issuer.close());

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: issuer.url,
    aud: 'deployer',
    sub: 'repo:company/deployments:environment:production',
    actor: 'alice-gh',
    repository: 'company/deployments',
    ref: 'refs/heads/main',
    run_id: '4242',
    iat: NOW_SECONDS - 10,
    nbf: NOW_SECONDS - 10,
    exp: NOW_SECONDS + 290,
    ...overrides,
  };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function sign(payload: Record<string, unknown>, { key = githubKey.privateKey, kid = 'key-1', alg = 'RS256' } = {}): string {
  const signingInput = `${base64url({ typ: 'JWT', alg, kid })}.${base64url(payload)}`;
  return `${signingInput}.${crypto.sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}

function verify(token: string, options: Partial<VerifyGithubOidcOptions> = {}) {
  return verifyGithubOidcToken(token, { issuer: issuer.url, audience: 'deployer', now: () => NOW_SECONDS * 1000, ...options });
}

/** The refusal's reason and message; the message must never repeat the token, nor any part of it. */
async function refusal(token: string, options: Partial<VerifyGithubOidcOptions> = {}): Promise<{ reason: GithubOidcRefusal; message: string }> {
  const error = await verify(token, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GithubOidcError);
  const { reason, message } = error as GithubOidcError;
  for (const part of token.split('.').filter((part) => part.length > 0)) expect(message).not.toContain(part);
  return { reason, message };
}

describe('verifyGithubOidcToken', () => {
  it("accepts a token the issuer signed for deployer and returns the claims it proves", async () => {
    await expect(verify(sign(claims()))).resolves.toEqual({
      actor: 'alice-gh',
      repository: 'company/deployments',
      ref: 'refs/heads/main',
      run_id: '4242',
      sub: 'repo:company/deployments:environment:production',
    });
    await expect(verify(sign(claims({ aud: ['other', 'deployer'] })))).resolves.toMatchObject({ actor: 'alice-gh' });
  });

  it('refuses an expired token, allowing a minute of clock skew', async () => {
    await expect(verify(sign(claims({ exp: NOW_SECONDS - 30 })))).resolves.toMatchObject({ actor: 'alice-gh' });
    expect(await refusal(sign(claims({ exp: NOW_SECONDS - 120 }))))
      .toEqual({ reason: 'expired', message: 'the token expired at 2026-12-05T17:58:00.000Z' });
  });

  it('refuses a token not valid yet, or issued in the future', async () => {
    expect((await refusal(sign(claims({ nbf: NOW_SECONDS + 120 })))).reason).toBe('not-yet-valid');
    expect((await refusal(sign(claims({ iat: NOW_SECONDS + 120 })))).reason).toBe('not-yet-valid');
  });

  it('refuses a token for another audience', async () => {
    expect(await refusal(sign(claims({ aud: 'https://github.com/company' }))))
      .toEqual({ reason: 'wrong-audience', message: 'the token is for audience "https://github.com/company", not "deployer"' });
  });

  it('refuses a token from another issuer without asking that issuer for keys', async () => {
    expect(await refusal(sign(claims({ iss: 'https://attacker.example' }))))
      .toEqual({ reason: 'wrong-issuer', message: `the token was issued by "https://attacker.example", not ${issuer.url}` });
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = sign(claims()).split('.');
    const tampered = `${header}.${base64url(claims({ actor: 'mallory' }))}.${signature}`;
    expect(await refusal(tampered)).toEqual({ reason: 'bad-signature', message: `the token's signature does not match ${issuer.url}'s key "key-1"` });
  });

  it("refuses a token signed by another key under the issuer's kid", async () => {
    expect((await refusal(sign(claims(), { key: otherKey.privateKey }))).reason).toBe('bad-signature');
  });

  it('refuses a token naming a key the issuer does not publish, after asking the issuer once more', async () => {
    await verify(sign(claims()));
    expect(await refusal(sign(claims(), { key: otherKey.privateKey, kid: 'key-2' })))
      .toEqual({ reason: 'unknown-key', message: `${issuer.url} publishes no RS256 key "key-2"` });
    expect(issuer.requests).toEqual({ discovery: 2, jwks: 2 });
  });

  it('accepts a key the issuer published after its keys were cached (rotation)', async () => {
    await verify(sign(claims()));
    issuer.published.set('key-2', otherKey.publicKey);
    await expect(verify(sign(claims(), { key: otherKey.privateKey, kid: 'key-2' }))).resolves.toMatchObject({ actor: 'alice-gh' });
  });

  it('caches the keys for a few minutes', async () => {
    await verify(sign(claims()));
    await verify(sign(claims()));
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
    await verify(sign(claims({ exp: NOW_SECONDS + 3600 })), { now: () => (NOW_SECONDS + 6 * 60) * 1000 });
    expect(issuer.requests).toEqual({ discovery: 2, jwks: 2 });
  });

  it('refuses a repository DEPLOYER_GITHUB_REPOSITORIES does not list (names compare case-insensitively)', async () => {
    const token = sign(claims());
    await expect(verify(token, { allowedRepositories: ['Company/Deployments'] })).resolves.toMatchObject({ repository: 'company/deployments' });
    expect(await refusal(token, { allowedRepositories: ['company/other'] })).toEqual({
      reason: 'repository-not-allowed',
      message: 'repository company/deployments may not deploy (DEPLOYER_GITHUB_REPOSITORIES allows company/other)',
    });
  });

  it('refuses what is not an RS256 JWT with the claims deployer uses', async () => {
    const unsigned = `${base64url({ alg: 'none', kid: 'key-1' })}.${base64url(claims())}.`;
    expect(await refusal(unsigned)).toEqual({ reason: 'malformed', message: 'the token is not a JWT (three base64url parts separated by dots)' });
    expect(await refusal('not a token')).toMatchObject({ reason: 'malformed' });
    expect(await refusal(sign(claims(), { alg: 'HS256' }))).toEqual({ reason: 'malformed', message: 'the token is signed with "HS256"; only RS256 is accepted' });
    expect(await refusal(sign(claims({ actor: undefined })))).toEqual({ reason: 'malformed', message: 'the token has no actor claim' });
  });

  it('says so when the issuer cannot be reached', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const failure = await refusal(sign(claims({ iss: unreachable })), { issuer: unreachable });
    expect(failure.reason).toBe('issuer-unavailable');
    expect(failure.message).toContain(`cannot read ${unreachable}/.well-known/openid-configuration`);
  });
});

describe('githubOidcSettingsFromEnv', () => {
  it("defaults to github.com's issuer, audience deployer and any repository", () => {
    expect(githubOidcSettingsFromEnv({ DEPLOYER_GITHUB_OIDC_ISSUER: '', DEPLOYER_GITHUB_REPOSITORIES: '' })).toEqual({
      issuer: GITHUB_ACTIONS_ISSUER,
      audience: DEFAULT_GITHUB_OIDC_AUDIENCE,
    });
  });

  it('reads the issuer, audience and allowed repositories', () => {
    expect(
      githubOidcSettingsFromEnv({
        DEPLOYER_GITHUB_OIDC_ISSUER: 'https://ghes.company.com/_services/token/',
        DEPLOYER_GITHUB_OIDC_AUDIENCE: 'deployer-prod',
        DEPLOYER_GITHUB_REPOSITORIES: 'company/deployments, company/platform',
      }),
    ).toEqual({ issuer: 'https://ghes.company.com/_services/token', audience: 'deployer-prod', allowedRepositories: ['company/deployments', 'company/platform'] });
  });

  it('refuses a repository that is not owner/repo', () => {
    expect(() => githubOidcSettingsFromEnv({ DEPLOYER_GITHUB_REPOSITORIES: 'company/deployments,deployments' })).toThrow(
      'DEPLOYER_GITHUB_REPOSITORIES: "deployments" is not owner/repo',
    );
  });
});
