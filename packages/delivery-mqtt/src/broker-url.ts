import { DeliveryPreparationError } from '@orderbus/delivery';

/** Where an MQTT channel connects. */
export interface BrokerAddress {
  protocol: 'mqtt' | 'mqtts';
  /** As written in the URL (for TLS server name checks and messages). */
  host: string;
  port: number;
}

/** Parses `mqtt://host[:1883]` / `mqtts://host[:8883]`; anything else is `invalid_url` (final). */
export function parseBrokerUrl(url: string): BrokerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeliveryPreparationError('invalid_url', `the broker URL "${url}" is not a valid URL`, { final: true });
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') {
    throw new DeliveryPreparationError('invalid_url', `the broker URL must be mqtt or mqtts, not ${parsed.protocol}`, { final: true });
  }
  const protocol = parsed.protocol === 'mqtts:' ? 'mqtts' : 'mqtt';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return { protocol, host, port: parsed.port ? Number(parsed.port) : protocol === 'mqtts' ? 8883 : 1883 };
}
