import net from 'node:net';
import { freePort } from '../../../tcpPorts';

/** The port a component got, and, when it is not the one it asked for, who has that one. */
export interface ClaimedPort {
  port: number;
  /** Set when the preferred port could not be had: another component of this runtime, or "another process". */
  preferredHeldBy?: string;
}

/**
 * The ports this runtime has given its components. A component asks for its usual port (Redis
 * 6379, PostgreSQL 5432, a MicroService's declared port) and gets it when no other component of
 * the runtime has it and nothing on the machine listens on it; otherwise any free port. Components
 * applied in parallel (one wave) ask at the same moment, so the check is made here, not by binding.
 */
export class PortClaims {
  private readonly holders = new Map<number, string>();

  /** A port a component already has (restored from its record): not handed to another. */
  hold(port: number, holder: string): void {
    if (port) this.holders.set(port, holder);
  }

  release(port: number, holder: string): void {
    if (this.holders.get(port) === holder) this.holders.delete(port);
  }

  async claim(preferred: number, holder: string): Promise<ClaimedPort> {
    const other = this.holders.get(preferred);
    let preferredHeldBy = other !== undefined && other !== holder ? other : undefined;
    if (!preferredHeldBy) {
      // Reserved before the check so a parallel claim of the same port waits for no answer and gets another.
      this.holders.set(preferred, holder);
      if (await listenable(preferred)) return { port: preferred };
      this.holders.delete(preferred);
      preferredHeldBy = 'another process';
    }
    const port = await this.anyFree(holder);
    return { port, preferredHeldBy };
  }

  /**
   * Starts a new component's server on its usual port when that is free, else on any free port, and
   * says which in a note for its events. Another process may take the usual port between the check
   * and the server's bind; the server is then started once more, on a free port.
   */
  async startOnUsualPort(options: { usual: number; what: string; holder: string; start: (port: number) => Promise<void> }): Promise<{ port: number; note: string }> {
    const { usual, what, holder, start } = options;
    const claimed = await this.claim(usual, holder);
    try {
      await start(claimed.port);
      return { port: claimed.port, note: portTakenNote(what, usual, claimed) };
    } catch (error) {
      if (claimed.port !== usual) throw error;
      this.release(usual, holder);
      const port = await this.anyFree(holder);
      await start(port);
      return { port, note: portTakenNote(what, usual, { port, preferredHeldBy: 'another process' }) };
    }
  }

  /** Any free port that no component of this runtime has. */
  async anyFree(holder: string): Promise<number> {
    for (;;) {
      const port = await freePort();
      if (this.holders.has(port)) continue;
      this.holders.set(port, holder);
      return port;
    }
  }
}

/** Whether this process could listen on the loopback port now (nothing else does). */
export function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** What a component's events say when it did not get its usual port. */
export function portTakenNote(what: string, preferred: number, claimed: ClaimedPort): string {
  if (!claimed.preferredHeldBy) return '';
  const by = claimed.preferredHeldBy === 'another process' ? 'another process on this machine listens on it' : `${claimed.preferredHeldBy} has it`;
  return ` (${what} ${preferred} is taken: ${by}; apps find the port through valueFrom)`;
}
