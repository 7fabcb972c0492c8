import type { ChildProcess } from 'node:child_process';
import type { ExecResult } from './observer';

/** Waits for an exec session's process to end: its exit code, and its output when it was captured. */
export async function execOutcome(child: ChildProcess, replica: string, captured: boolean): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  return { replica, exitCode, ...(captured ? { stdout, stderr } : {}) };
}
