import { InMemoryEventBus } from '../../src/events/memory-bus.js';
import { eventBusContract } from './bus-contract.js';

eventBusContract('in-process', async () => new InMemoryEventBus());
