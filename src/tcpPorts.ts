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

/** A free loopback port whose neighbour `offset` above is free too (for a server that opens two, such as Temporal's gRPC and HTTP ports). */
export async function freePortWithFreeNeighbour(offset: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + offset <= 65535 && (await isFree(port + offset))) return port;
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
