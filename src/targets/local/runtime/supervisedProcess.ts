import { ChildProcess, spawn } from 'node:child_process';
import type { ChildLedger } from './childLedger';
import { lineSplitter, LogJournal, EventJournal } from './journal';

/**
 * A backing server (redis-server, the SQS emulator) the runtime keeps running: its output goes to
 * the component's logs, and an unexpected exit restarts it after a short pause.
 */
export class SupervisedProcess {
  private child?: ChildProcess;
  private stopping = false;
  private exited?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly logs: LogJournal,
    private readonly events: EventJournal,
    private readonly children: ChildLedger,
  ) {}

  /** A command that could not be spawned has no pid and never exits: it is not alive, and stop() must not wait for it. */
  get alive(): boolean {
    return this.child?.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.stopping = false;
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.children.record(child.pid, this.name);
    child.stdout?.on('data', lineSplitter((line) => this.logs.write(this.name, 'stdout', line)));
    child.stderr?.on('data', lineSplitter((line) => this.logs.write(this.name, 'stderr', line)));
    child.on('error', (error) => this.logs.write(this.name, 'stderr', `could not start ${this.command}: ${error.message}`));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.children.forget(child.pid);
        resolve();
        if (this.stopping) return;
        this.events.record('exited', `${this.name} exited with ${signal ? `signal ${signal}` : `code ${code}`}; restarting in 1 s`, this.name);
        setTimeout(() => {
          if (this.stopping) return;
          this.events.record('restarted', `${this.name} restarted`, this.name);
          this.start();
        }, 1000).unref();
      });
    });
  }

  async stop(graceMs = 10000): Promise<void> {
    this.stopping = true;
    if (!this.alive) return;
    this.child?.kill('SIGTERM');
    const killer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killer);
  }
}
