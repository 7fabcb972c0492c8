import net from 'node:net';
import { grpcUsesProxy, hostAndPort, probeAddress } from '../../src/temporal/addressProbe';
import { openClient } from '../../src/temporal/connection';

async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Temporal address probe', () => {
  it('reads host and port the way Temporal addresses are written', () => {
    expect(hostAndPort('127.0.0.1:7233')).toEqual({ host: '127.0.0.1', port: 7233 });
    expect(hostAndPort('temporal.internal')).toEqual({ host: 'temporal.internal', port: 7233 });
    expect(hostAndPort('[::1]:7300')).toEqual({ host: '::1', port: 7300 });
    expect(hostAndPort('my-ns.a1b2c.tmprl.cloud:7233')).toEqual({ host: 'my-ns.a1b2c.tmprl.cloud', port: 7233 });
  });

  it('resolves where something listens and rejects with the socket error where nothing does', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await expect(probeAddress(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, 1000)).resolves.toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const port = await refusedPort();
    await expect(probeAddress(`127.0.0.1:${port}`, 1000)).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('a refusal that came while the thread was held wins over the timeout that expired meanwhile', async () => {
    const port = await refusedPort();
    const probe = probeAddress(`127.0.0.1:${port}`, 50);
    // As a CLI loading its modules does: the refusal arrives and the timeout expires before the loop turns.
    const heldUntil = Date.now() + 300;
    while (Date.now() < heldUntil);
    await expect(probe).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('a CLI connection to a stopped server fails with the refusal, not gRPC\'s retries until the deadline', async () => {
    const port = await refusedPort();
    await expect(openClient({ address: `127.0.0.1:${port}`, namespace: 'default' }, 3000)).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('leaves the address to gRPC when a proxy carries its traffic', () => {
    expect(grpcUsesProxy({})).toBe(false);
    expect(grpcUsesProxy({ grpc_proxy: 'http://proxy:3128' })).toBe(true);
    expect(grpcUsesProxy({ https_proxy: 'http://proxy:3128' })).toBe(true);
  });
});
