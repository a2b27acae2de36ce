import { runServiceMain } from '@adboard/kit';
import { authService } from './app.js';

await runServiceMain(authService);
