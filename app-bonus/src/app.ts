import type { ServiceModule } from '@adboard/kit';
import { createLedgerService } from '@adboard/ledger';
import { bonusConfigSchema } from './config.js';
import { bonusRoutes } from './routes/bonus.js';

export const bonusService: ServiceModule<typeof bonusConfigSchema> = {
  name: 'app-bonus',
  configSchema: bonusConfigSchema,
  create: (config, ports) =>
    createLedgerService({
      name: 'app-bonus',
      description: 'Bonus accounts: accrual for purchases and its rollback',
      moduleUrl: import.meta.url,
      config,
      ports,
      routes: ({ http, db }) => bonusRoutes(http, db, config.BONUS_PERCENT),
    }),
};
