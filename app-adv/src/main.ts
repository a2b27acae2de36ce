import { runServiceMain } from '@adboard/kit';
import { advService } from './app.js';

await runServiceMain(advService);
