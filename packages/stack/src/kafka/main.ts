/**
 * A real Apache Kafka cluster for this project, from the command line (npm run kafka):
 *
 *   npm run kafka             # 3 nodes on 127.0.0.1; prints KAFKA_BROKERS=…; Ctrl-C or SIGTERM stops them
 *   npm run kafka -- fetch    # only fetch the pinned broker into the cache (ADBOARD_CACHE)
 *
 * Settings: KAFKA_CLUSTER_NODES (3), KAFKA_CLUSTER_SETTINGS (server.properties entries over the
 * defaults, comma-separated, e.g. broker.session.timeout.ms=3000,broker.heartbeat.interval.ms=500),
 * KAFKA_CLUSTER_DATA_DIR (keep the data there; by default a temporary folder, removed at the stop).
 */
import { parseSettings, startKafkaCluster } from './cluster.js';
import { kafkaRuntime, KafkaUnavailableError } from './runtime.js';

const say = (line: string) => console.log(`[kafka] ${line}`);

async function main(command = 'start'): Promise<void> {
  if (command === 'fetch') {
    const runtime = await kafkaRuntime('set KAFKA_BROKERS to an existing cluster');
    say(`Apache Kafka ${runtime.version}: ${runtime.classpath}`);
    return;
  }
  if (command !== 'start') throw new Error(`usage: npm run kafka [-- start | fetch] (not "${command}")`);
  const started = Date.now();
  const cluster = await startKafkaCluster({
    nodes: Number(process.env.KAFKA_CLUSTER_NODES ?? 3),
    settings: parseSettings(process.env.KAFKA_CLUSTER_SETTINGS),
    ...(process.env.KAFKA_CLUSTER_DATA_DIR ? { dataDir: process.env.KAFKA_CLUSTER_DATA_DIR } : {}),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the cluster (pids ${cluster.pids.join(', ')})…`);
    await cluster.stop();
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  say(
    `Apache Kafka ${cluster.version}, ${cluster.pids.length} nodes, serving in ${((Date.now() - started) / 1000).toFixed(1)} s (data: ${cluster.dataDir})`,
  );
  console.log(`KAFKA_BROKERS=${cluster.brokers}`);
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof KafkaUnavailableError ? error.message : error);
  process.exit(1);
});
