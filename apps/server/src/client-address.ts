import ipaddr from 'ipaddr.js';

/**
 * The address a client is counted under: an IPv4 address as is, an IPv4-mapped IPv6 one as the
 * IPv4 address it carries, and any other IPv6 address as its /64, since one subscriber's
 * network gets at least a /64 and a host in it may pick any address there.
 */
export function clientAddress(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`).toString()}/64`;
}
