import { spawn, spawnSync } from 'node:child_process';

export interface MockKafka {
  brokers: string;
  stop(): Promise<void>;
}

/** True when librdkafka's mock cluster is available (`kcat`, Debian package `kcat`). */
export function hasMockKafka(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * A Kafka-protocol broker: librdkafka's mock cluster, started by a `kcat` consumer that lives as
 * long as the cluster is needed. Real wire protocol, consumer groups and offsets; no Apache Kafka.
 */
export async function startMockKafka(command = 'kcat'): Promise<MockKafka> {
  const child = spawn(
    command,
    ['-X', 'test.mock.num.brokers=1', '-b', 'mock', '-C', '-q', '-t', '__mock_keepalive'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const brokers = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`kcat mock cluster did not start: ${output}`)), 10_000);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const match = /replaced with ([^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`kcat exited with ${code}: ${output}`)));
    // Without it on the PATH, say what to do instead of dying on an unhandled spawn error.
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot start a mock Kafka broker: ${command} is not runnable (${(error as NodeJS.ErrnoException).code ?? error.message}); ` +
            'install it (Debian package kcat) or set KAFKA_BROKERS to a Kafka cluster',
        ),
      );
    });
  });
  return {
    brokers,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
