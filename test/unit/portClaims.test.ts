import net from 'node:net';
import { freePort } from '../../src/tcpPorts';
import { listenable, PortClaims, portTakenNote } from '../../src/targets/local/runtime/portClaims';

// A component asks for its usual port (Redis 6379, a MicroService's declared port) and gets it
// when free; these tests use free ports of their own as the "usual" ones.
describe('PortClaims', () => {
  const servers: net.Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  function occupy(port: number): Promise<void> {
    const server = net.createServer();
    servers.push(server);
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  }

  it('gives a component its usual port when nothing has it', async () => {
    const usual = await freePort();
    expect(await new PortClaims().claim(usual, 'dev.cache')).toEqual({ port: usual });
  });

  it('gives it to one of two components asking at once; the other gets another port and is told who has it', async () => {
    const usual = await freePort();
    const claims = new PortClaims();
    const [first, second] = await Promise.all([claims.claim(usual, 'development.cache'), claims.claim(usual, 'staging.cache')]);
    expect(first).toEqual({ port: usual });
    expect(second.port).not.toBe(usual);
    expect(second.preferredHeldBy).toBe('development.cache');
    expect(await listenable(second.port)).toBe(true);
  });

  it('does not give a port another process listens on', async () => {
    const usual = await freePort();
    await occupy(usual);
    const claimed = await new PortClaims().claim(usual, 'dev.cache');
    expect(claimed.port).not.toBe(usual);
    expect(claimed.preferredHeldBy).toBe('another process');
  });

  it('keeps a restored component\'s port from others until it is released', async () => {
    const usual = await freePort();
    const claims = new PortClaims();
    claims.hold(usual, 'development.cache');
    expect((await claims.claim(usual, 'staging.cache')).preferredHeldBy).toBe('development.cache');
    claims.release(usual, 'staging.cache');
    expect((await claims.claim(usual, 'qa.cache')).preferredHeldBy).toBe('development.cache');
    claims.release(usual, 'development.cache');
    expect(await claims.claim(usual, 'qa.cache')).toEqual({ port: usual });
  });

  it('starts a server on its usual port, or once more on a free one when another process binds it first', async () => {
    const usual = await freePort();
    const claims = new PortClaims();
    const tried: number[] = [];
    const start = async (port: number) => {
      tried.push(port);
      // Another process takes the usual port between the check and the server's bind.
      if (port === usual) throw new Error(`bind ${port}: address in use`);
    };
    const started = await claims.startOnUsualPort({ usual, what: "Redis's usual port", holder: 'dev.cache', start });
    expect(tried).toEqual([usual, started.port]);
    expect(started.port).not.toBe(usual);
    expect(started.note).toBe(` (Redis's usual port ${usual} is taken: another process on this machine listens on it; apps find the port through valueFrom)`);
    // The usual port is not kept by the component that could not bind it.
    expect(await claims.claim(usual, 'staging.cache')).toEqual({ port: usual });
  });

  it('passes a start failure on a port it did not hope for through, without trying again', async () => {
    const usual = await freePort();
    const claims = new PortClaims();
    claims.hold(usual, 'development.cache');
    const start = jest.fn(async () => {
      throw new Error('redis-server: permission denied');
    });
    await expect(claims.startOnUsualPort({ usual, what: "Redis's usual port", holder: 'staging.cache', start })).rejects.toThrow('permission denied');
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('says in the component\'s events why it did not get its usual port', async () => {
    expect(portTakenNote("Redis's usual port", 6379, { port: 6379 })).toBe('');
    expect(portTakenNote("Redis's usual port", 6379, { port: 41234, preferredHeldBy: 'another process' })).toBe(
      " (Redis's usual port 6379 is taken: another process on this machine listens on it; apps find the port through valueFrom)",
    );
    expect(portTakenNote('its declared port', 8080, { port: 41234, preferredHeldBy: 'user-platform.development.user-service.api' })).toBe(
      ' (its declared port 8080 is taken: user-platform.development.user-service.api has it; apps find the port through valueFrom)',
    );
  });
});
