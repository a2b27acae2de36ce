import { resolve } from 'node:path';
import { ConfigError, loadConfig, packageDir, Type } from '@adboard/kit';
import { startStack } from './stack.js';
import { ensureWebBuild } from './web-build.js';

const settings = Type.Object({
  GATEWAY_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  GATEWAY_HOST: Type.String({ default: '127.0.0.1' }),
  STACK_DATA_DIR: Type.String({ default: resolve(packageDir(import.meta.url), '..', '..', '.data') }),
  STACK_POSTGRES_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 54329 }),
  STACK_SERVICE_PORT_BASE: Type.Integer({ minimum: 1, maximum: 65500, default: 8081 }),
  LOG_LEVEL: Type.String({ default: 'info' }),
});

/** `npm start`: the whole system in one process on the embedded defaults. */
async function main(): Promise<void> {
  const config = loadConfig(settings);
  await ensureWebBuild((line) => console.log(line));
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
    console.log('adboard stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
