import { usage } from './cli-error';
import type { CliIo } from './io';

/** The global options, from flags first, then the environment, then the `npm run up` defaults. */
export interface GlobalOptions {
  adminUrl?: string;
  token?: string;
  producerUrl?: string;
  producerKey?: string;
  json?: boolean;
}

export interface Settings {
  adminUrl: string;
  producerUrl: string;
  token: string | undefined;
  producerKey: string | undefined;
  json: boolean;
}

/** The ports `npm run up` uses: a developer's machine needs no flags but the credential. */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8081';
export const DEFAULT_PRODUCER_URL = 'http://127.0.0.1:8080';

export function settingsOf(options: GlobalOptions, io: CliIo): Settings {
  return {
    adminUrl: trimSlash(options.adminUrl ?? io.env.ORDERBUS_ADMIN_URL ?? DEFAULT_ADMIN_URL),
    producerUrl: trimSlash(options.producerUrl ?? io.env.ORDERBUS_PRODUCER_URL ?? DEFAULT_PRODUCER_URL),
    token: options.token ?? io.env.ORDERBUS_ADMIN_TOKEN,
    producerKey: options.producerKey ?? io.env.ORDERBUS_PRODUCER_KEY,
    json: options.json === true,
  };
}

/** The admin token, or a usage error that says where to put it. */
export function requireToken(settings: Settings): string {
  if (!settings.token) {
    throw usage(
      'no admin token: pass --token <token> or set ORDERBUS_ADMIN_TOKEN ' +
        '(an admin token from ORDERBUS_ADMIN_TOKENS, or a registration credential obr_<baseCode>.<secret>; `npm run up` uses dev-admin-token)',
    );
  }
  return settings.token;
}

export function requireProducerKey(settings: Settings): string {
  if (!settings.producerKey) {
    throw usage('no producer key: pass --producer-key <key> or set ORDERBUS_PRODUCER_KEY (a key from ORDERBUS_PRODUCER_KEYS; `npm run up` uses dev-producer-key)');
  }
  return settings.producerKey;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
