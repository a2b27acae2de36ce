import { createServer } from 'node:net';

/** A TCP port free right now on 127.0.0.1, for servers that must know each other's address up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive ports free right now on 127.0.0.1 (a stack's
 * STACK_SERVICE_PORT_BASE). Drawn below Linux's ephemeral range (32768 up), so outgoing connections
 * of other tests cannot take one of them between this check and the stack's start.
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (12000 - count));
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between 20000 and 32000`);
}
