import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFormat } from '../src/logger.js';

const logOnce = (env: Record<string, string>) =>
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { createLogger } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'logger.ts'))};
       createLogger('app-demo').info({ status: 200 }, 'request answered');`,
    ],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );

describe('log format', () => {
  it('is JSON for a machine and readable lines for a person, LOG_FORMAT deciding when set', () => {
    expect(logFormat({ LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' })).toBe('pretty');
    expect(logFormat({})).toBe(process.stdout.isTTY ? 'pretty' : 'json');
  });

  it('writes one readable line with the service and the message when pretty', () => {
    const line = logOnce({ LOG_FORMAT: 'pretty' }).trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/INFO.*app-demo request answered.*status.*200/);
    expect(line).not.toContain('{"level"');
  });

  it('writes JSON into a pipe by default', () => {
    const entry = JSON.parse(logOnce({ LOG_FORMAT: '' }));
    expect(entry).toMatchObject({ level: 30, service: 'app-demo', msg: 'request answered', status: 200 });
  });
});
