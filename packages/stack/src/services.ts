import { advService } from '@adboard/app-adv';
import { authService } from '@adboard/app-auth';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { userService } from '@adboard/app-user';
import { databaseNameOf, isServiceName, SERVICES, type ServiceName } from '@adboard/contracts';
import type { ServiceModule } from '@adboard/kit';

export interface StackEntry {
  name: ServiceName;
  module: ServiceModule;
  /** The service's own database (e.g. `app_billing`), if the catalogue says it has one. */
  database?: string;
}

function entryOf(module: ServiceModule): StackEntry {
  if (!isServiceName(module.name)) throw new Error(`${module.name} is not in the service catalogue`);
  const name = module.name;
  return SERVICES[name].database ? { name, module, database: databaseNameOf(name) } : { name, module };
}

/** The services the stacks run, in start order. */
export const stackServices: StackEntry[] = [
  authService,
  userService,
  billingService,
  bonusService,
  advService,
  notifyService,
].map(entryOf);
