import { runServiceMain } from '@adboard/kit';
import { userService } from './app.js';

await runServiceMain(userService);
