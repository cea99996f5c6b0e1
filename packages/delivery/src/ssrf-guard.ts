import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { DeliveryPreparationError } from './errors/delivery-preparation-error';

/**
 * Address ranges a callback may not reach: loopback, private, link-local
 * (with the cloud metadata address 169.254.169.254), unspecified, CGNAT,
 * multicast and reserved; IPv4-mapped IPv6 addresses match the IPv4 ranges.
 */
const BLOCKED_RANGES: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // unspecified / "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // CGNAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

const blocked = new BlockList();
for (const [network, prefix, type] of BLOCKED_RANGES) blocked.addSubnet(network, prefix, type);

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** Whether an IP address is internal (loopback, private, link-local, ...). Not an IP: false. */
export function isBlockedAddress(address: string): boolean {
  const type = family(address);
  return type !== undefined && blocked.check(address, type);
}

/** `[::1]` -> `::1`; lower-case. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** `localhost` and `*.localhost` always mean loopback (RFC 6761), whatever DNS says. */
function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * The SSRF guard of callback URLs. A callback must be http(s); its host
 * may not be, or resolve to, an internal address unless allowlisted
 * (`ORDERBUS_CALLBACK_ALLOWLIST`: host names, IPs, CIDRs). It runs at
 * registration (`check`) and again at every delivery: `assertUrl` before the
 * request for IP literals, and `lookup` inside the connection for names, so
 * the address checked is the address connected to (no DNS rebinding window).
 */
export class CallbackGuard {
  private readonly hosts = new Set<string>();
  private readonly allowed = new BlockList();

  /** @param allowlist host names, IP addresses and CIDRs (`10.1.0.0/16`) that are let through. */
  constructor(allowlist: readonly string[] = []) {
    for (const raw of allowlist) {
      const entry = bareHost(raw.trim());
      if (entry === '') continue;
      const [network, prefix] = entry.split('/');
      const type = family(network!);
      if (type && prefix !== undefined) this.allowed.addSubnet(network!, Number(prefix), type);
      else if (type) this.allowed.addAddress(network!, type);
      else this.hosts.add(entry);
    }
  }

  /** Whether a resolved address may be connected to for `host`. */
  isAllowed(host: string, address: string): boolean {
    if (this.hosts.has(bareHost(host))) return true;
    const type = family(address);
    if (type && this.allowed.check(address, type)) return true;
    return !isBlockedAddress(address);
  }

  /**
   * The checks that need no DNS: an http(s) URL whose host, if an IP
   * literal or a localhost name, is allowed. Throws a DeliveryPreparationError
   * (`invalid_url` or `ssrf_refused`, final).
   */
  assertUrl(url: string, protocols: readonly string[] = CALLBACK_PROTOCOLS): URL {
    const what = protocols === BROKER_PROTOCOLS ? 'broker' : 'callback';
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DeliveryPreparationError('invalid_url', `the ${what} URL "${url}" is not a valid URL`, { final: true });
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new DeliveryPreparationError('invalid_url', `the ${what} URL must be ${protocols.map((p) => p.slice(0, -1)).join(' or ')}, not ${parsed.protocol}`, { final: true });
    }
    const host = bareHost(parsed.hostname);
    if (isIP(host) && !this.isAllowed(host, host)) throw refused(host, host);
    if (isLocalhostName(host) && !this.isAllowed(host, '127.0.0.1')) throw refused(host, '127.0.0.1');
    return parsed;
  }

  /**
   * For registration: assertUrl, then resolves the host and refuses it when
   * any of its addresses is internal. A name that does not resolve (yet) is
   * accepted: the check at delivery time still applies. Returns the reason
   * for refusal, or undefined.
   */
  async check(url: string, protocols: readonly string[] = CALLBACK_PROTOCOLS): Promise<string | undefined> {
    let host: string;
    try {
      host = bareHost(this.assertUrl(url, protocols).hostname);
    } catch (err) {
      return (err as DeliveryPreparationError).detail;
    }
    if (isIP(host) || this.hosts.has(host)) return undefined;
    const addresses = await new Promise<LookupAddress[]>((resolve) => dnsLookup(host, { all: true }, (err, found) => resolve(err ? [] : found)));
    const bad = addresses.find((a) => !this.isAllowed(host, a.address));
    return bad ? refused(host, bad.address).detail : undefined;
  }

  /**
   * The address to connect to for `host`, resolved once and checked (for
   * clients that cannot take a `lookup`, like the MQTT client): connecting to
   * that address leaves no window for a re-pointed name. Throws
   * `ssrf_refused` (final), or the resolver's error.
   */
  async resolve(host: string): Promise<string> {
    const bare = bareHost(host);
    if (isIP(bare)) {
      if (!this.isAllowed(bare, bare)) throw refused(bare, bare);
      return bare;
    }
    if (isLocalhostName(bare) && !this.isAllowed(bare, '127.0.0.1')) throw refused(bare, '127.0.0.1');
    const addresses = await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(bare, { all: true }, (err, found) => (err ? reject(err) : resolve(found))));
    const bad = addresses.find((a) => !this.isAllowed(bare, a.address));
    if (bad) throw refused(bare, bad.address);
    if (addresses.length === 0) throw Object.assign(new Error(`${bare} did not resolve`), { code: 'ENOTFOUND' });
    return addresses[0]!.address;
  }

  /**
   * A `lookup` for net/tls.connect (undici Agent `connect.lookup`): resolves
   * the name and fails the connection with `ssrf_refused` when any address
   * is internal, so a name re-pointed at an internal address after
   * registration is never connected to.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const bad = addresses.find((a) => !this.isAllowed(hostname, a.address));
      if (bad) {
        callback(refused(hostname, bad.address) as unknown as NodeJS.ErrnoException, '', 0);
        return;
      }
      if (options.all) (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** The schemes of callback URLs, and of MQTT broker URLs (an MQTT channel goes through the same guard). */
export const CALLBACK_PROTOCOLS: readonly string[] = ['http:', 'https:'];
export const BROKER_PROTOCOLS: readonly string[] = ['mqtt:', 'mqtts:'];

function refused(host: string, address: string): DeliveryPreparationError {
  const what = host === address ? `the address ${address}` : `${host} (${address})`;
  return new DeliveryPreparationError('ssrf_refused', `${what} is internal (loopback, private, link-local...) and not in the callback allowlist`, {
    final: true,
  });
}
