import { runServiceMain } from '@adboard/kit';
import { notifyService } from './app.js';

await runServiceMain(notifyService);
