import { runServiceMain } from '@adboard/kit';
import { bonusService } from './app.js';

await runServiceMain(bonusService);
