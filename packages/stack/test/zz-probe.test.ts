import { it } from 'vitest';
import { startTestService } from '@adboard/kit/testing';
import { createLogger } from '@adboard/kit';
import { notifyService } from '@adboard/app-notify';
import { createGateway } from '@adboard/gateway';

it('probe', async () => {
  const svc = await startTestService(notifyService, { env: { AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks' } });
  const gw = await createGateway({
    upstreams: { 'app-notify': svc.url },
    logger: createLogger('g', 'silent'),
  });
  const url = await gw.start(0, '127.0.0.1');
  const { request } = await import('node:http');
  const r = await new Promise<any>((resolve) => {
    const q = request(
      `${url}/app-notify/${process.env.P ?? 'health'}`,
      { method: process.env.M ?? 'GET', agent: false, headers: JSON.parse(process.env.H ?? '{}') },
      (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode, text: async () => b }));
      },
    );
    q.end(process.env.B);
  });
  console.log('status', r.status, await r.text());
  let t0 = Date.now();
  await gw.stop();
  console.log('gw stop ms', Date.now() - t0);
  t0 = Date.now();
  await svc.stop();
  console.log('svc stop ms', Date.now() - t0);
}, 400000);
