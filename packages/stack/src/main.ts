import { loadConfig, startTracing } from '@adboard/kit';
import { reportFailedStart } from './failed-start.js';
import { embeddedSettings } from './settings.js';
import { startStack } from './stack.js';

/** `npm start`: the whole system in one process on the embedded defaults. */
async function main(): Promise<void> {
  const config = loadConfig(embeddedSettings);
  // One tracer provider for the six services: each span names its service.
  const tracing = startTracing('adboard');
  const stack = await startStack({
    dataDir: config.STACK_DATA_DIR,
    gatewayPort: config.GATEWAY_PORT,
    host: config.GATEWAY_HOST,
    postgresPort: config.STACK_POSTGRES_PORT,
    servicePortBase: config.STACK_SERVICE_PORT_BASE,
    logLevel: config.LOG_LEVEL,
    env: process.env,
  });
  const publicUrl = stack.url.replace('127.0.0.1', 'localhost');
  console.log(`\nadboard is ready: ${publicUrl}  (e.g. POST ${publicUrl}/app-user/api/v1/user/create)\n`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping adboard…`);
    await stack.stop();
    await tracing?.shutdown();
    console.log('adboard stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch(reportFailedStart);
