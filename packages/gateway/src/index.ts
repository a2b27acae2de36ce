export { gatewayConfigSchema, upstreamsFromConfig, type GatewayConfig } from './config.js';
export { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { gatewayModule } from './module.js';
export * from './route-rules.js';
export { defaultWebRoot } from './web-front-end.js';
