import { throttledNetwork } from './login-throttle.js';

describe('the addresses a sign-in is counted as', () => {
  it('counts an IPv4 address on its own, IPv4-mapped or not, and an IPv6 address with its /64', () => {
    expect(throttledNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(throttledNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttledNetwork('2001:db8:0:15::1')).toBe('2001:db8:0:15::/64');
    expect(throttledNetwork('2001:DB8:0:15:a:b:c:d')).toBe('2001:db8:0:15::/64');
    expect(throttledNetwork('2001:db8:0:16::1')).toBe('2001:db8:0:16::/64');
    expect(throttledNetwork('unknown')).toBe('unknown');
  });
});
