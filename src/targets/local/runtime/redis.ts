import fs from 'node:fs';
import path from 'node:path';
import { toolPath } from '../../../toolchain';
import { ownerOnlyDir } from '../../../ownerOnly';
import type { ComponentHealth, ComponentState, RedisDesired } from '../api';
import { ComponentRunner, RunnerContext } from './runner';
import { freePort, waitForPort } from '../../../tcpPorts';
import { SupervisedProcess } from './supervisedProcess';

const READY_TIMEOUT_MS = 20000;

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
    fs.rmSync(path.join(this.context.dir, 'redis'), { recursive: true, force: true });
    this.context.events.record('deleted', 'redis-server stopped and its data removed');
  }

  private async startServer(): Promise<void> {
    if (this.process?.alive) return;
    if (!this.port) this.port = await freePort();
    const dataDir = ownerOnlyDir(path.join(this.context.dir, 'redis'));
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
    const server = new SupervisedProcess('redis', toolPath('redis-server'), args, this.context.logs, this.context.events, this.context.children);
    server.start();
    await waitForPort(this.port, READY_TIMEOUT_MS, () => server.alive);
    this.process = server;
    this.context.events.record('started', `redis-server accepting connections on 127.0.0.1:${this.port}`);
    this.context.save();
  }
}
