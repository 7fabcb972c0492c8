import fs from 'node:fs';
import path from 'node:path';
import { toolPath } from '../../../toolchain';
import { ownerOnlyDir } from '../../../ownerOnly';
import type { ComponentHealth, ComponentState, RedisDesired } from '../api';
import { ComponentRunner, RunnerContext } from './runner';
import { SupervisedProcess } from './supervisedProcess';

const READY_TIMEOUT_MS = 20000;
/** Where ElastiCache's Redis listens, and so where an app written for it looks. */
export const REDIS_PORT = 6379;

/**
 * An ElastiCache Redis on this machine: one real redis-server with an append-only file under the
 * component's directory, so data survives restarts. (A replication group's extra nodes are not
 * simulated: one node answers for the primary and reader endpoints.)
 */
export class RedisRunner implements ComponentRunner<RedisDesired> {
  private process?: SupervisedProcess;
  private desired?: RedisDesired;
  private port: number;

  constructor(
    private readonly context: RunnerContext,
    saved: { port?: number } = {},
  ) {
    this.port = saved.port ?? 0;
    context.ports.hold(this.port, context.key);
  }

  async restore(desired: RedisDesired): Promise<void> {
    this.desired = desired;
    await this.startServer();
  }

  async apply(desired: RedisDesired): Promise<void> {
    await this.startServer();
    this.desired = desired;
  }

  async state(): Promise<ComponentState> {
    return {
      kind: 'ElastiCacheRedis',
      actual: { ...this.desired },
      outputs: { endpoint: '127.0.0.1', port: String(this.port) },
      secretOutputs: [],
      status: { state: this.process?.alive ? 'running' : 'stopped', version: this.desired?.version },
    };
  }

  health(): ComponentHealth {
    const alive = this.process?.alive ?? false;
    return { kind: 'ElastiCacheRedis', healthy: alive, summary: alive ? `redis-server on port ${this.port}` : 'redis-server is not running', replicas: [] };
  }

  saved(): Record<string, unknown> {
    return { port: this.port };
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }

  async destroy(): Promise<void> {
    await this.stop();
    this.context.ports.release(this.port, this.context.key);
    fs.rmSync(path.join(this.context.dir, 'redis'), { recursive: true, force: true });
    this.context.events.record('deleted', 'redis-server stopped and its data removed');
  }

  private async startServer(): Promise<void> {
    if (this.process?.alive) return;
    let note = '';
    if (this.port) await this.launch();
    else {
      // A new cache gets Redis's usual port when it is free, so an app written for 6379 finds it.
      const started = await this.context.ports.startOnUsualPort({
        usual: REDIS_PORT,
        what: "Redis's usual port",
        holder: this.context.key,
        start: async (port) => {
          this.port = port;
          await this.launch();
        },
      });
      note = started.note;
    }
    this.context.events.record('started', `redis-server accepting connections on 127.0.0.1:${this.port}${note}`);
    this.context.save();
  }

  /** Starts redis-server on this.port; resolves once it says it is ready, rejects (stopped) when it exits first. */
  private async launch(): Promise<void> {
    const dataDir = ownerOnlyDir(path.join(this.context.dir, 'redis'));
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
    const server = new SupervisedProcess('redis', toolPath('redis-server'), args, this.context.logs, this.context.events, this.context.children);
    // Its own "ready" line, not an open port: the port may be another process's that took it first.
    let unsubscribe = () => {};
    const ready = new Promise<void>((resolve) => {
      unsubscribe = this.context.logs.subscribe((line) => {
        if (line.source === 'redis' && /ready to accept connections/i.test(line.message)) resolve();
      });
    });
    server.start();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let isReady = false;
    void ready.then(() => (isReady = true));
    try {
      while (!isReady) {
        if (!server.alive) throw new Error(`redis-server exited before it accepted connections on port ${this.port}`);
        if (Date.now() > deadline) throw new Error(`redis-server did not accept connections on port ${this.port} after ${READY_TIMEOUT_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } catch (error) {
      await server.stop();
      throw error;
    } finally {
      unsubscribe();
    }
    this.process = server;
  }
}
