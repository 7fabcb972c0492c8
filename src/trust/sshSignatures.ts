import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignatureError } from '../errors';

// Approvers prove who they are the way git's SSH commit signing does: `ssh-keygen -Y sign` with their
// own key (a file, or one held by ssh-agent or a hardware token), verified with `ssh-keygen -Y verify`
// against the public keys deployer.yaml lists for them. OpenSSH does the cryptography; every key type
// it supports works.

/** The signature namespace: a signature made for deployer means nothing to git, and the reverse. */
export const SIGNATURE_NAMESPACE = 'deployer-approval';

/** Signs `message` with the SSH private key at `keyFile`; returns the armored SSH signature. */
export async function sshSign(message: string, keyFile: string): Promise<string> {
  if (!fs.existsSync(keyFile)) throw new SignatureError(`no SSH key at ${keyFile}`);
  return withTempDir(async (dir) => {
    const file = path.join(dir, 'claims');
    fs.writeFileSync(file, message);
    await run('ssh-keygen', ['-q', '-Y', 'sign', '-f', keyFile, '-n', SIGNATURE_NAMESPACE, file]).catch((error: Error) => {
      throw new SignatureError(`could not sign with ${keyFile}: ${error.message}`);
    });
    return fs.readFileSync(`${file}.sig`, 'utf8');
  });
}

/**
 * Whether `signature` over `message` was made by one of `publicKeys` (OpenSSH `type base64 [comment]`
 * lines) for `identity`. False for a wrong key, a tampered message or another namespace.
 */
export async function sshVerify(message: string, signature: string, identity: string, publicKeys: string[]): Promise<boolean> {
  if (!publicKeys.length) return false;
  return withTempDir(async (dir) => {
    const signers = path.join(dir, 'allowed_signers');
    // allowed_signers: principal, namespaces option, key. The principal is quoted-free by construction.
    const principal = identity.replace(/[\s"]/g, '');
    fs.writeFileSync(signers, publicKeys.map((key) => `${principal} namespaces="${SIGNATURE_NAMESPACE}" ${key.trim()}\n`).join(''));
    const signatureFile = path.join(dir, 'claims.sig');
    fs.writeFileSync(signatureFile, signature);
    try {
      await run('ssh-keygen', ['-Y', 'verify', '-f', signers, '-I', principal, '-n', SIGNATURE_NAMESPACE, '-s', signatureFile], message);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The signing key of whoever runs the CLI: DEPLOYER_SIGNING_KEY, else git's `user.signingkey` when it
 * names a file (git's SSH signing), else ~/.ssh/id_ed25519. Undefined when none exists.
 */
export function signingKeyFile(env: NodeJS.ProcessEnv, gitSigningKey: string | undefined): string | undefined {
  const named = env.DEPLOYER_SIGNING_KEY?.trim();
  // A key named on purpose and missing is a mistake to report, not a reason to sign with another.
  if (named && !fs.existsSync(named)) throw new SignatureError(`DEPLOYER_SIGNING_KEY names ${named}, which does not exist`);
  const candidates = [named, gitSigningKey, path.join(os.homedir(), '.ssh', 'id_ed25519')];
  for (const candidate of candidates) {
    if (!candidate?.trim()) continue;
    const file = candidate.trim().replace(/^~(?=\/)/, os.homedir());
    // git may name the public key; ssh-keygen -Y sign wants the private key beside it.
    const privateFile = file.endsWith('.pub') ? file.slice(0, -4) : file;
    if (fs.existsSync(privateFile)) return privateFile;
  }
  return undefined;
}

function run(command: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'], timeout: 30_000 });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(stderr.trim() || `${command} exited with ${code}`))));
    if (input !== undefined) {
      // ssh-keygen may exit before reading everything (a bad signature): its exit code tells, not EPIPE.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
    }
  });
}

async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-sig-'));
  try {
    return await use(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
