import fs from 'node:fs';
import net from 'node:net';

/** A TCP port on loopback that nothing listens on now; the tiny race until a child binds it is acceptable locally. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Where ports chosen below the kernel's ephemeral range start: clear of the well-known ones. */
const LOWEST_CHOSEN_PORT = 10000;

/**
 * A free loopback port whose neighbour `offset` above is free too, for a server that opens several
 * (Temporal: gRPC, and its HTTP API at +10). Chosen below the kernel's ephemeral range: an outgoing
 * connection never takes such a port as its source port, as one of the server's own connections
 * could while it starts (its HTTP API's bind then failed: address already in use).
 */
export async function freePortWithFreeNeighbour(offset: number): Promise<number> {
  const span = ephemeralRangeStart() - offset - LOWEST_CHOSEN_PORT;
  for (;;) {
    // A kernel whose range starts that low leaves nothing to choose from: any free pair, then.
    const port = span > 0 ? LOWEST_CHOSEN_PORT + Math.floor(Math.random() * span) : await freePort();
    if (port + offset <= 65535 && (await isFree(port)) && (await isFree(port + offset))) return port;
  }
}

/** The first port the kernel hands out to outgoing connections (Linux says where; 32768 is its default). */
export function ephemeralRangeStart(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (!isAlive()) throw new Error(`the process exited before listening on port ${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
