import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/** The Kafka protocol's API key of a Produce request. */
const PRODUCE = 0;

/**
 * TCP relays between a Kafka client and each broker (plug `socketFactory` into the client), with
 * faults of the network between them:
 * - `losingProduceAnswers`: a Produce request reaches its broker, which writes the records and
 *   answers, and the answer is lost: the connection drops where it would have arrived. The client
 *   is left not knowing whether its records were written, as a timeout leaves it too;
 * - `refusing`: every new connection is dropped at once, as by a cluster that is not there.
 */
export class KafkaNetworkFaults {
  losingProduceAnswers = false;
  refusing = false;
  /** Produce answers lost so far. */
  lost = 0;
  private readonly relayPort = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private readonly servers: Server[] = [];

  static async start(brokers: string[]): Promise<KafkaNetworkFaults> {
    const faults = new KafkaNetworkFaults();
    for (const broker of brokers) {
      const [host, port] = broker.split(':') as [string, string];
      const server = createServer((client) => faults.relay(client, host, Number(port)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      faults.servers.push(server);
      faults.relayPort.set(broker, (server.address() as { port: number }).port);
    }
    return faults;
  }

  /** For the client's `socketFactory` option: every broker is reached through its relay. */
  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const relay = this.relayPort.get(`${host}:${port}`);
    if (relay === undefined) throw new Error(`no relay for the broker ${host}:${port}`);
    return connect({ host: '127.0.0.1', port: relay }, onConnect);
  };

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }

  private relay(client: Socket, host: string, port: number): void {
    if (this.refusing) return void client.destroy();
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    const produces = new Set<number>(); // correlation ids of the Produce requests sent
    const requests = frames((request) => {
      if (request.readInt16BE(0) === PRODUCE) produces.add(request.readInt32BE(4));
    });
    client.on('data', (chunk: Buffer) => {
      requests(chunk);
      upstream.write(chunk);
    });
    const answers = frames((answer, frame) => {
      const correlationId = answer.readInt32BE(0);
      if (this.losingProduceAnswers && produces.has(correlationId)) {
        this.lost += 1;
        upstream.destroy();
        client.destroy();
        return false;
      }
      produces.delete(correlationId);
      client.write(frame);
      return true;
    });
    upstream.on('data', (chunk: Buffer) => answers(chunk));
  }
}

/**
 * Splits a byte stream into Kafka frames (a 4-byte size, then that many bytes): `each` gets the
 * body and the whole frame, and stops the reading by returning false.
 */
function frames(each: (body: Buffer, frame: Buffer) => boolean | void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let stopped = false;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (!stopped && pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
      pending = pending.subarray(frame.length);
      stopped = each(frame.subarray(4), frame) === false;
    }
  };
}
