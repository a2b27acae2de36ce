import { advService } from '@adboard/app-adv';
import { authService } from '@adboard/app-auth';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { userService } from '@adboard/app-user';
import type { ServiceModule } from '@adboard/kit';

export interface StackEntry {
  module: ServiceModule;
  /** The service's own database on the embedded server, if it has one. */
  database?: string;
}

/** The services the embedded stack runs, in start order. */
export const stackServices: StackEntry[] = [
  { module: authService },
  { module: userService, database: 'app_user' },
  { module: billingService, database: 'app_billing' },
  { module: bonusService, database: 'app_bonus' },
  { module: advService, database: 'app_adv' },
  { module: notifyService, database: 'app_notify' },
];
