import { ConfigError } from '@adboard/kit';

/**
 * The launchers' last word when they cannot start: one line that names the cause and the fix (a
 * configuration error names its variable); the stack trace only with LOG_LEVEL=debug or trace.
 */
export function reportFailedStart(error: unknown): never {
  const verbose = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`adboard could not start: ${(error as Error)?.message ?? String(error)}`);
  if (verbose && !(error instanceof ConfigError)) console.error(error);
  process.exit(1);
}
