import { SERVICE_TOKEN_HEADER } from '@adboard/contracts';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does to a request:
 * - `fail`: answers 503 without passing the request on (the callee never sees it);
 * - `hang`: never answers and never passes it on (a callee that does not respond);
 * - `lose-response`: passes it on, lets the callee answer (and commit), then drops the connection
 *   instead of answering (the response is lost on the way back);
 * - `drop-credential`: passes it on without its service credential (`x-service-token`), so the
 *   callee itself refuses it (403), as it would a credential signed with a key it was not given.
 */
export type Fault = 'fail' | 'hang' | 'lose-response' | 'drop-credential';

interface Rule {
  pathPrefix: string;
  fault: Fault;
  /** How many more requests it applies to (Infinity: until cleared). */
  remaining: number;
}

/** A real HTTP proxy in front of a service that injects faults into chosen requests. */
export class FaultProxy {
  readonly seen: { method: string; path: string; fault?: Fault }[] = [];
  private rules: Rule[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    const holder: { proxy?: FaultProxy } = {};
    const server = createServer((req, res) => holder.proxy!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultProxy(server, `http://127.0.0.1:${port}`, new URL(target));
    holder.proxy = proxy;
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    return proxy;
  }

  /** Applies `fault` to the next `times` requests whose path starts with `pathPrefix`. */
  inject(pathPrefix: string, fault: Fault, times = 1): this {
    this.rules.push({ pathPrefix, fault, remaining: times });
    return this;
  }

  /** Removes every rule and releases hanging requests (their connections are closed). */
  clear(): void {
    this.rules = [];
  }

  requestsTo(pathPrefix: string): number {
    return this.seen.filter((entry) => entry.path.startsWith(pathPrefix)).length;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(path: string): Fault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && path.startsWith(r.pathPrefix));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.fault;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const fault = this.take(path);
    this.seen.push({ method: req.method ?? 'GET', path, ...(fault ? { fault } : {}) });
    if (fault === 'fail') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"success":false,"errors":[{"text":"Service temporarily unavailable"}]}');
      return;
    }
    if (fault === 'hang') {
      req.resume();
      return;
    }
    const { [SERVICE_TOKEN_HEADER]: _credential, ...withoutCredential } = req.headers;
    const upstream = httpRequest(
      {
        hostname: this.target.hostname,
        port: this.target.port,
        path,
        method: req.method,
        headers: fault === 'drop-credential' ? withoutCredential : req.headers,
      },
      (answer) => {
        if (fault === 'lose-response') {
          answer.resume();
          answer.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  }
}
