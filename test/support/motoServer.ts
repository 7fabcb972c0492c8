import { ChildProcess, spawn } from 'node:child_process';
import { freePort, waitForPort } from '../../src/tcpPorts';
import { toolPath } from '../../src/toolchain';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * A real AWS API emulator (moto server, the pinned release `npm run setup` installs) on a free
 * loopback port, with `environment` added to its own (moto reads some behaviour from variables).
 */
export async function startMotoServer(environment: Record<string, string> = {}): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(toolPath('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { env: { ...process.env, ...environment }, stdio: ['ignore', 'pipe', 'pipe'] });
  // The tail of what moto printed, to explain a start that failed.
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForPort(port, READY_TIMEOUT_MS, () => child.exitCode === null);
  } catch (error) {
    await stop();
    throw new Error(`moto_server did not start: ${(error as Error).message}\n${output}`);
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}
