import crypto from 'node:crypto';
import type http from 'node:http';
import { writeOwnerOnlyFile } from '../../../ownerOnly';
import { RuntimeRequestError } from './requestError';

/** Writes a new random API token, readable by its owner only, in place of the previous runtime's; a client never reads half a token. */
export function issueApiToken(file: string): string {
  const token = crypto.randomBytes(32).toString('base64url');
  writeOwnerOnlyFile(file, token);
  return token;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Refuses (throws) a request that is not from a local client holding the token. On loopback every
 * user of the machine and every web page in its browsers can reach the API: the token keeps out
 * other users, the Host check keeps out DNS rebinding (a page whose name resolves to 127.0.0.1), the
 * Origin and content-type checks keep out what a browser sends cross-site without asking first.
 */
export function assertAllowed(request: http.IncomingMessage, token: string): void {
  const expectedHosts = LOOPBACK_HOSTS.map((host) => `${host}:${request.socket.localPort}`);
  if (!expectedHosts.includes(request.headers.host?.toLowerCase() ?? '')) {
    throw new RuntimeRequestError(403, `Host ${request.headers.host ?? '(none)'} is not this runtime (${expectedHosts[0]})`);
  }
  if (request.headers.origin !== undefined) throw new RuntimeRequestError(403, 'requests from web pages (with an Origin header) are refused');
  if (!carriesToken(request.headers.authorization, token)) {
    throw new RuntimeRequestError(
      401,
      'the request lacks the runtime token (Authorization: Bearer, from <state>/local/runtime.token); components deployed before the runtime required one: see docs/decisions.md, "The local target"',
    );
  }
  if ((request.method === 'POST' || request.method === 'PUT') && !isJson(request.headers['content-type'])) {
    throw new RuntimeRequestError(415, 'POST and PUT bodies must be application/json');
  }
}

function carriesToken(authorization: string | undefined, token: string): boolean {
  const presented = Buffer.from(authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && crypto.timingSafeEqual(presented, expected);
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}
