/**
 * Which client addresses may reach the RPC at all, as Core's -rpcallowip: loopback always
 * (127.0.0.0/8 and ::1), plus the addresses and subnets the operator names (`1.2.3.4`,
 * `10.0.0.0/8`, `fd00::/8`). Everyone else gets 403 before authentication (httprpc.cpp
 * ClientAllowed, checked in http_request_cb).
 */
import { BlockList, isIP } from 'node:net';

export class AllowIpFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllowIpFormatError';
  }
}

interface Subnet {
  ip: string;
  bits: number;
  family: 'ipv4' | 'ipv6';
}

/** `ip` or `ip/bits`; throws AllowIpFormatError for anything else. */
export function parseSubnet(text: string): Subnet {
  const [ip = '', bitsText, extra] = text.split('/');
  const v = isIP(ip);
  if (v === 0 || extra !== undefined)
    throw new AllowIpFormatError(`not an IP address or subnet (ip or ip/bits): ${JSON.stringify(text)}`);
  const max = v === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (bitsText !== undefined && (!/^\d{1,3}$/.test(bitsText) || bits > max))
    throw new AllowIpFormatError(`prefix length must be 0-${max}: ${JSON.stringify(text)}`);
  return { ip, bits, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export class AllowIp {
  private readonly list = new BlockList();

  constructor(subnets: readonly string[] = []) {
    for (const s of ['127.0.0.0/8', '::1/128', ...subnets]) {
      const n = parseSubnet(s);
      this.list.addSubnet(n.ip, n.bits, n.family);
    }
  }

  /** True if a client at `address` (as the socket reports it) may talk to the RPC. */
  allows(address: string | undefined): boolean {
    if (!address) return false;
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const ip = mapped ? mapped[1]! : address;
    const v = isIP(ip);
    return v !== 0 && this.list.check(ip, v === 4 ? 'ipv4' : 'ipv6');
  }
}
