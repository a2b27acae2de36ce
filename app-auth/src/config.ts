import {
  commonSettings,
  PrivateKeySetting,
  PublicKeysSetting,
  redisSettings,
  serviceCallerSettings,
  Type,
  UrlSetting,
} from '@adboard/kit';

export const authConfigSchema = Type.Object({
  ...commonSettings,
  ...redisSettings,
  ...serviceCallerSettings,
  AUTH_PRIVATE_KEY: PrivateKeySetting('Ed25519 private key (PKCS#8 PEM) that signs user tokens'),
  AUTH_PUBLISHED_KEYS: PublicKeysSetting({
    default: '',
    description:
      "public keys (base64url Ed25519) the JWKS lists besides AUTH_PRIVATE_KEY's: the next key before a rotation, the previous one after it",
  }),
  USER_SERVICE_URL: UrlSetting('app-user base URL, for credential checks'),
  JWT_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 3600, default: 300 }),
  SESSION_TTL_SECONDS: Type.Integer({ minimum: 60, default: 600 }),
  SESSION_COOKIE_SECURE: Type.Boolean({
    default: false,
    description: 'set the Secure flag (serve over HTTPS)',
  }),
  LOGIN_LIMIT_PER_USERNAME: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'failed logins of one username in a window that lock it until the window ends',
  }),
  LOGIN_LIMIT_PER_ADDRESS: Type.Integer({
    minimum: 1,
    default: 100,
    description: 'login attempts per client address in a window',
  }),
  LOGIN_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
});
