import net from 'node:net';
import { ephemeralRangeStart, freePortWithFreeNeighbour } from '../../src/tcpPorts';

// The Temporal dev server the integration tests start binds its gRPC port and its HTTP API 10 above;
// a port in the ephemeral range could be taken meanwhile as the source port of an outgoing connection.
describe('a free port pair', () => {
  function listen(port: number): Promise<net.Server> {
    const server = net.createServer();
    return new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server)));
  }

  it('is below the ephemeral range, and both ports can be listened on', async () => {
    const start = ephemeralRangeStart();
    expect(start).toBeGreaterThan(1024);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const port = await freePortWithFreeNeighbour(10);
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port + 10).toBeLessThan(start);
      const servers = await Promise.all([listen(port), listen(port + 10)]);
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
