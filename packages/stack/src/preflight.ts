import { createServer } from 'node:net';
import { ConfigError, loadConfig, type ServiceModule } from '@adboard/kit';

/** A port the stack is about to listen on, and the variable that chooses it. */
export interface PlannedPort {
  port: number;
  host: string;
  variable: string;
  /** What listens there, for the message (e.g. `app-billing`). */
  owner: string;
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Fails, naming the variable to change, when any of `ports` is already taken by another program. */
export async function requireFreePorts(ports: PlannedPort[]): Promise<void> {
  for (const { port, host, variable, owner } of ports) {
    if (!(await isFree(port, host)))
      throw new ConfigError(
        `Port ${port} on ${host} (for ${owner}) is already in use by another program: stop it, or set ${variable} to a free port`,
      );
  }
}

/**
 * Loads every service's configuration from the settings it will be started with, so a bad value
 * (BONUS_PERCENT=200) is reported, naming its variable, before anything is started.
 */
export function checkServiceSettings(
  modules: ServiceModule[],
  settingsOf: (module: ServiceModule) => Record<string, string | undefined>,
): void {
  for (const module of modules) {
    try {
      loadConfig(module.configSchema, settingsOf(module));
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`${error.message} (read by ${module.name})`);
      throw error;
    }
  }
}
