import net from 'node:net';

/** Temporal's port when an address names none, as its SDK assumes. */
const TEMPORAL_DEFAULT_PORT = 7233;

/** Host and port of an address: `host:port`, `[v6]:port`, or a host alone (then `defaultPort`, gRPC's by default). */
export function hostAndPort(address: string, defaultPort = TEMPORAL_DEFAULT_PORT): { host: string; port: number } {
  const parsed = new URL(`tcp://${address}`);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : defaultPort };
}

/**
 * Whether anything accepts TCP connections at `address`: rejects with the socket's own error
 * (`connect ECONNREFUSED 127.0.0.1:7233`, `getaddrinfo ENOTFOUND temporal`) or after `timeoutMs`.
 * gRPC retries a refused address until its deadline; this says so at once.
 */
export function probeAddress(address: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...hostAndPort(address), timeout: timeoutMs });
    const end = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.once('connect', () => end());
    // Timers run before I/O in each turn of the event loop: after the thread was held (a CLI loading
    // its modules), the timeout would fire ahead of a refusal that had already come. Waiting for
    // that turn's I/O first lets the socket's own answer win.
    socket.once('timeout', () => setImmediate(() => end(new Error(`nothing answered within ${timeoutMs / 1000}s`))));
    socket.once('error', end);
  });
}

/** gRPC goes through a proxy when these are set, where a direct connection says nothing. */
export function grpcUsesProxy(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['grpc_proxy', 'https_proxy', 'http_proxy'].some((name) => Boolean(env[name]));
}
