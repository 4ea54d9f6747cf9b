import proxyaddr from 'proxy-addr';

/** Express's `trust proxy` setting: which hops in front of the service may say who the client is. */
export type TrustProxy = boolean | number | string[];

/**
 * TRUST_PROXY as Express reads it: unset or `false` trusts no proxy (a client's address is the
 * socket's), `true` every hop, a whole number that many hops, otherwise comma-separated addresses,
 * subnets (CIDR) and the names `loopback`, `linklocal` and `uniquelocal`. Throws on anything else,
 * with proxy-addr's own check, the one Express applies.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const proxies = value.split(',').map((part) => part.trim());
  proxyaddr.compile(proxies);
  return proxies;
}
