import fs from 'node:fs';
import path from 'node:path';
import { OWNER_ONLY_FILE } from '../../../ownerOnly';

/** How much of a component's log the runtime keeps: `files` files of at most `maxBytes` each. */
export interface LogRetention {
  maxBytes: number;
  /** Files kept, the one being written included. */
  files: number;
}

const DEFAULT_FILE_MB = 10;
const DEFAULT_FILES = 5;
// Small enough that parsing one chunk never holds the runtime's only thread for long.
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** DEPLOYER_LOG_FILE_MB and DEPLOYER_LOG_FILES, else 5 files of 10 MB (50 MB per component at most). */
export function logRetentionFromEnvironment(env: NodeJS.ProcessEnv = process.env): LogRetention {
  return {
    maxBytes: Math.round(positiveSetting(env, 'DEPLOYER_LOG_FILE_MB', DEFAULT_FILE_MB) * 1024 * 1024),
    files: Math.max(1, Math.floor(positiveSetting(env, 'DEPLOYER_LOG_FILES', DEFAULT_FILES))),
  };
}

function positiveSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number, not "${raw}"`);
  return value;
}

/**
 * A JSON-lines log split into size-bounded files: `logs.jsonl` is written; when it reaches
 * `maxBytes` it becomes `logs.<sequence>.jsonl` (a higher sequence is newer) and the oldest files
 * beyond `files` are deleted. Readers go newest first, in bounded asynchronous chunks, so a query
 * for recent lines reads only the recent files and never holds the thread that serves traffic.
 */
export class SegmentedLogFile {
  private activeBytes: number;

  constructor(
    private readonly file: string,
    private readonly retention: LogRetention,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.activeBytes = fileSize(file);
  }

  append(line: string): void {
    const text = `${line}\n`;
    // Logs hold whatever the services print: owner-only, like the rest of the state dir.
    fs.appendFileSync(this.file, text, { mode: OWNER_ONLY_FILE });
    this.activeBytes += Buffer.byteLength(text);
    if (this.activeBytes >= this.retention.maxBytes) this.rotate();
  }

  /**
   * The lines written so far, newest first. The files are opened before this returns, so lines
   * appended later are not read (a follower gets those from its subscription) and a rotation during
   * the read loses nothing.
   */
  newestFirst(): AsyncGenerator<string> {
    const opened = [this.file, ...this.rotated().map(({ file }) => file).reverse()].flatMap((file) => {
      try {
        const fd = fs.openSync(file, 'r');
        return [{ fd, size: fs.fstatSync(fd).size }];
      } catch {
        return []; // not written yet
      }
    });
    return readNewestFirst(opened);
  }

  /** Rotated files, oldest first. */
  private rotated(): { file: string; sequence: number }[] {
    const { dir, stem, ext } = this.parts();
    const pattern = new RegExp(`^${escapeRegExp(stem)}\\.(\\d+)${escapeRegExp(ext)}$`);
    return fs
      .readdirSync(dir)
      .flatMap((name) => {
        const match = pattern.exec(name);
        return match ? [{ file: path.join(dir, name), sequence: Number(match[1]) }] : [];
      })
      .sort((a, b) => a.sequence - b.sequence);
  }

  private rotate(): void {
    const rotated = this.rotated();
    const { dir, stem, ext } = this.parts();
    const next = path.join(dir, `${stem}.${(rotated[rotated.length - 1]?.sequence ?? 0) + 1}${ext}`);
    fs.renameSync(this.file, next);
    this.activeBytes = 0;
    // The new active file counts as one of `files`: keep the newest `files - 1` rotated ones.
    const all = [...rotated.map(({ file }) => file), next];
    for (const old of all.slice(0, Math.max(0, all.length - (this.retention.files - 1)))) fs.rmSync(old, { force: true });
  }

  private parts(): { dir: string; stem: string; ext: string } {
    const ext = path.extname(this.file);
    return { dir: path.dirname(this.file), stem: path.basename(this.file, ext), ext };
  }
}

/** Reads each file backwards in chunks, splitting on newline bytes (so a UTF-8 character is never cut). */
async function* readNewestFirst(files: { fd: number; size: number }[]): AsyncGenerator<string> {
  try {
    for (const { fd, size } of files) {
      let position = size;
      // The start of a line whose beginning lies in an earlier chunk.
      let tail = Buffer.alloc(0);
      while (position > 0) {
        const length = Math.min(CHUNK_BYTES, position);
        position -= length;
        const chunk = Buffer.alloc(length);
        await new Promise<void>((resolve, reject) => fs.read(fd, chunk, 0, length, position, (error) => (error ? reject(error) : resolve())));
        const joined = Buffer.concat([chunk, tail]);
        let end = joined.length;
        for (let index = joined.length - 1; index >= 0; index -= 1) {
          if (joined[index] !== NEWLINE) continue;
          if (index + 1 < end) yield joined.toString('utf8', index + 1, end);
          end = index;
        }
        tail = joined.subarray(0, end);
      }
      if (tail.length) yield tail.toString('utf8');
    }
  } finally {
    for (const { fd } of files) fs.close(fd, () => undefined);
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
