import { runServiceMain } from '@adboard/kit';
import { billingService } from './app.js';

await runServiceMain(billingService);
