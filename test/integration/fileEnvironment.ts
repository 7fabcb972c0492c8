import fs from 'node:fs';
import path from 'node:path';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';
import { startLocalRuntime, stopLocalRuntime } from '../../src/devenv/devEnvironment';
import { workerNamespace } from './namespaces';

/**
 * Each integration file gets a state dir of its own (its Pulumi state, releases, locks) and a local
 * runtime of its own, so files can run at the same time on jest's workers: what they share is the
 * Temporal dev server of globalSetup, where each jest worker keeps to a namespace of its own and each
 * file to a task queue of its own. The state dir lies inside globalSetup's, so the teardown's check
 * for leftover processes covers it.
 */
export default class FileEnvironment extends TestEnvironment {
  private readonly home: string;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const shared = process.env.DEPLOYER_HOME;
    if (!shared) throw new Error('DEPLOYER_HOME is unset: integration tests run through jest globalSetup');
    fs.mkdirSync(path.join(shared, 'files'), { recursive: true });
    this.home = fs.mkdtempSync(path.join(shared, 'files', `${path.basename(context.testPath).split('.')[0]}-`));
    // When tests run as root, the local runtime's PostgreSQL runs as another user that must enter it.
    fs.chmodSync(this.home, 0o711);
    // The dev server's endpoints, as in globalSetup's state dir: the CLI finds the server's UI there.
    fs.mkdirSync(path.join(this.home, 'dev'));
    fs.copyFileSync(path.join(shared, 'dev', 'dev.json'), path.join(this.home, 'dev', 'dev.json'));
    this.global.process.env.DEPLOYER_HOME = this.home;
    // Its jest worker's namespace (namespaces.ts): the CLIs and workers it starts inherit it.
    this.global.process.env.DEPLOYER_TEMPORAL_NAMESPACE = workerNamespace(process.env.JEST_WORKER_ID ?? '1');
  }

  override async setup(): Promise<void> {
    await super.setup();
    await this.inHome(startLocalRuntime);
  }

  override async teardown(): Promise<void> {
    await this.inHome(stopLocalRuntime);
    fs.rmSync(this.home, { recursive: true, force: true });
    await super.teardown();
  }

  /** Runs `action` with this file's state dir as the jest worker's own (the runtime's pid file and endpoint live there). */
  private async inHome<T>(action: () => Promise<T>): Promise<T> {
    const shared = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = this.home;
    try {
      return await action();
    } finally {
      process.env.DEPLOYER_HOME = shared;
    }
  }
}
