import { BlockList, isIP } from 'node:net';

/**
 * What an upstream address is, as far as egress cares. The proxy runs on the host, so without
 * this check a sandbox could ask it for `http://127.0.0.1:4680/` (Bosun's own API), the cloud
 * metadata service (169.254.169.254) or the host's private network, by literal or through a DNS
 * name that points there (checked after resolution, and the checked address is the one dialled).
 */
export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

const subnets: Array<[AddressClass, string, number, 'ipv4' | 'ipv6']> = [
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['private', '100.64.0.0', 10, 'ipv4'],
  ['private', 'fc00::', 7, 'ipv6'],
  // IPv4-compatible (deprecated) and NAT64 forms of IPv4 addresses: not worth the ambiguity
  ['reserved', '::', 96, 'ipv6'],
  ['reserved', '64:ff9b::', 96, 'ipv6'],
];

const lists = new Map<AddressClass, BlockList>();
for (const [cls, network, prefix, type] of subnets) {
  let list = lists.get(cls);
  if (!list) lists.set(cls, (list = new BlockList()));
  list.addSubnet(network, prefix, type);
}

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) return 'reserved';
  // BlockList matches IPv4-mapped IPv6 (::ffff:7f00:1 is 127.0.0.1 to the kernel) against the IPv4 rules
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of lists) if (list.check(address, type)) return cls;
  return 'public';
}

/**
 * Null when the sandbox may reach `address`, else what it is ("a loopback address"). Addresses from the operator's hosts
 * override are trusted (they are configuration, and what the tests use for loopback stand-ins);
 * private networks are reachable only for hosts an allow-list names, never under `unrestricted`.
 */
export function addressRefusal(
  address: string,
  options: { trusted: boolean; explicitlyAllowed: boolean },
): string | null {
  if (options.trusted) return null;
  const cls = classifyAddress(address);
  if (cls === 'public') return null;
  if (cls === 'private' && options.explicitlyAllowed) return null;
  return `a ${cls} address`;
}
