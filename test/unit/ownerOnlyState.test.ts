import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DriftStore, FileDriftDocuments } from '../../src/drift/store';
import { ownerOnlyDir, writeOwnerOnlyFile } from '../../src/ownerOnly';
import { localBackend } from '../../src/pulumi/backend';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import type { ReleaseRecord } from '../../src/releases/releaseRecord';

// The state dir's secrets (Pulumi checkpoints, release log, drift findings) are the owner's alone:
// their directories 0700, also when an earlier version created them open, and our files 0600.

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe('state under the state dir is owner-only', () => {
  let state: string;
  beforeEach(() => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-owner-only-'));
  });
  afterEach(() => fs.rmSync(state, { recursive: true, force: true }));

  it('the release log', async () => {
    // As an earlier version left it: readable by everyone.
    fs.mkdirSync(path.join(state, 'releases'), { mode: 0o755 });
    fs.chmodSync(path.join(state, 'releases'), 0o755);
    const store = new FileReleaseStore(path.join(state, 'releases'));
    await store.append({ stack: 'user-platform', environment: 'development', service: 'notification-service', result: 'succeeded' } as ReleaseRecord);
    expect(modeOf(path.join(state, 'releases'))).toBe('700');
    expect(modeOf(path.join(state, 'releases/user-platform/development/notification-service.jsonl'))).toBe('600');
  });

  it('drift findings', async () => {
    await new DriftStore(new FileDriftDocuments(path.join(state, 'drift'))).addIgnore('user-platform', 'development', 'notification-service', { component: 'api', field: 'replicas', by: 'alice', at: '2026-01-15T14:30:00Z' }, new Date('2026-01-15T14:30:00Z'));
    expect(modeOf(path.join(state, 'drift'))).toBe('700');
    expect(modeOf(path.join(state, 'drift/user-platform/development/notification-service.json'))).toBe('600');
  });

  it('Pulumi checkpoints and the stack passphrase', async () => {
    const previous = process.env.DEPLOYER_PULUMI_PASSPHRASE;
    delete process.env.DEPLOYER_PULUMI_PASSPHRASE;
    try {
      const backend = localBackend(state);
      await backend.passphrase();
      expect(backend.url).toBe(`file://${path.join(state, 'pulumi', 'state')}`);
      expect(modeOf(path.join(state, 'pulumi'))).toBe('700');
      expect(modeOf(path.join(state, 'pulumi', 'passphrase'))).toBe('600');
    } finally {
      if (previous !== undefined) process.env.DEPLOYER_PULUMI_PASSPHRASE = previous;
    }
  });

  it('a directory others must pass through (PostgreSQL as root) lets them pass, not list', () => {
    expect(modeOf(ownerOnlyDir(path.join(state, 'local'), { othersMayPass: true }))).toBe('711');
    expect(modeOf(ownerOnlyDir(path.join(state, 'local')))).toBe('700');
  });

  it('a file written whole: aside, then renamed over the old one, owner-only, nothing left aside', () => {
    const file = path.join(state, 'state-db.url');
    fs.writeFileSync(file, 'old', { mode: 0o644 });
    // A file planted where the new content is first written is not written through.
    fs.symlinkSync(path.join(state, 'elsewhere'), `${file}.${process.pid}.tmp`);
    writeOwnerOnlyFile(file, 'postgres://127.0.0.1:5433/deployer');
    expect(fs.readFileSync(file, 'utf8')).toBe('postgres://127.0.0.1:5433/deployer');
    expect(modeOf(file)).toBe('600');
    expect(fs.readdirSync(state)).toEqual(['state-db.url']);
  });
});
