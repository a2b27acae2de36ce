import { describe, expect, it } from 'vitest';
import { isServiceName, SERVICE_NAMES, SERVICES, serviceWiring, upstreamSettings } from '../src/services.js';

const urlOf = (name: string) => `http://${name}.local`;

describe('the service catalogue', () => {
  it('tells every service where app-auth keys are and where the services it may call listen', () => {
    expect(serviceWiring(urlOf)).toEqual({
      AUTH_JWKS_URL: 'http://app-auth.local/.well-known/jwks.json',
      USER_SERVICE_URL: 'http://app-user.local',
      BILLING_SERVICE_URL: 'http://app-billing.local',
      BONUS_SERVICE_URL: 'http://app-bonus.local',
    });
  });

  it('gives the gateway one upstream setting per service', () => {
    expect(upstreamSettings(urlOf)).toEqual({
      APP_USER_URL: 'http://app-user.local',
      APP_AUTH_URL: 'http://app-auth.local',
      APP_BILLING_URL: 'http://app-billing.local',
      APP_BONUS_URL: 'http://app-bonus.local',
      APP_ADV_URL: 'http://app-adv.local',
      APP_NOTIFY_URL: 'http://app-notify.local',
    });
  });

  it('names only catalogued callers, and every called service has a URL setting', () => {
    for (const name of SERVICE_NAMES) {
      const entry = SERVICES[name];
      for (const caller of entry.callers) expect(isServiceName(caller) && caller !== name, caller).toBe(true);
      if (entry.callers.length > 0) expect('urlVariable' in entry, name).toBe(true);
    }
    expect(isServiceName('app-unknown')).toBe(false);
  });
});
