import net from 'node:net';

/** One inline Redis command over a raw socket: the reply's first line(s), without the trailing CRLF. */
export function redis(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(`${command}\r\n`));
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n') && (!reply.startsWith('$') || reply.split('\r\n').length > 2)) {
        socket.end();
        resolve(reply.replace(/\r\n$/, ''));
      }
    });
    socket.on('error', reject);
  });
}
