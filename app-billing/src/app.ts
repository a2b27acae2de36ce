import type { ServiceModule } from '@adboard/kit';
import { createLedgerService } from '@adboard/ledger';
import { billingConfigSchema } from './config.js';
import { accountRoutes } from './routes/accounts.js';

export const billingService: ServiceModule<typeof billingConfigSchema> = {
  name: 'app-billing',
  configSchema: billingConfigSchema,
  create: (config, ports) =>
    createLedgerService({
      name: 'app-billing',
      description: 'Accounts, top-ups, payments and their rollback, with idempotency keys and a ledger',
      moduleUrl: import.meta.url,
      config,
      ports,
      routes: ({ http, db }) =>
        accountRoutes(http, db, {
          max: config.MONEY_LIMIT_PER_USER,
          windowSeconds: config.MONEY_LIMIT_WINDOW_SECONDS,
          per: 'user',
        }),
    }),
};
