/**
 * Identities are emails (or `github:<login>`). Mail systems treat them without regard to case, so
 * deployer does too: `CAROL@Company.com` is carol@company.com, and cannot approve her own deployment.
 */
export function normalizeIdentity(identity: string): string {
  return identity.trim().toLowerCase();
}

export function sameIdentity(a: string, b: string): boolean {
  return normalizeIdentity(a) === normalizeIdentity(b);
}
