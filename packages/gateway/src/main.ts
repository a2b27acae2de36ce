import { runServiceMain } from '@adboard/kit';
import { gatewayModule } from './module.js';

// Distributed mode's local entry point: APP_*_URL from the environment, graceful stop on SIGTERM/SIGINT.
await runServiceMain(gatewayModule);
