/**
 * Who may call the RPC, as Bitcoin Core's httprpc.cpp decides it: HTTP Basic credentials that
 * are either the cookie (`__cookie__:<64 hex>` written 0600 to `<datadir>/.cookie` at start and
 * removed at clean shutdown; only when no rpc-password is set, as Core's -rpcpassword turns it
 * off), the rpc-user/rpc-password pair, or a user of an `rpcauth` entry: `user:salt$hash`
 * where hash = hex(HMAC-SHA256(key = the salt's text, message = the password)), the format
 * share/rpcauth/rpcauth.py prints. Every comparison runs in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const COOKIE_USER = '__cookie__';

/**
 * Where a node with this data dir keeps its RPC cookie: `<datadir>/.cookie`, or the
 * rpc-cookie-file setting, a relative one taken from the data dir as Core's -rpccookiefile.
 */
export function cookiePath(datadir: string, cookieFile?: string): string {
  return cookieFile === undefined ? join(datadir, '.cookie') : resolve(datadir, cookieFile);
}

/** A malformed rpcauth entry; the config loader reports it against the setting. */
export class RpcAuthFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcAuthFormatError';
  }
}

export interface RpcAuthEntry {
  user: string;
  salt: string;
  /** Lower-case hex of the HMAC. */
  hash: string;
}

/** Core's rpcauth value: `user:salt$hash`, the hash 64 hex digits. */
export function parseRpcAuth(text: string): RpcAuthEntry {
  const colon = text.indexOf(':');
  const dollar = text.lastIndexOf('$');
  if (colon < 1 || dollar < colon + 1)
    throw new RpcAuthFormatError(
      `expected user:salt$hash as rpcauth.py prints it, got ${JSON.stringify(text)}`,
    );
  const hash = text.slice(dollar + 1);
  if (!/^[0-9a-fA-F]{64}$/.test(hash))
    throw new RpcAuthFormatError(`the hash after '$' must be 64 hex digits, got ${JSON.stringify(hash)}`);
  return { user: text.slice(0, colon), salt: text.slice(colon + 1, dollar), hash: hash.toLowerCase() };
}

/** What rpcauth.py computes for a password (exported for tests and tools). */
export function rpcAuthHash(salt: string, password: string): string {
  return createHmac('sha256', Buffer.from(salt, 'utf8')).update(Buffer.from(password, 'utf8')).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Length is not secret (Core's TimingResistantEqual also leaks it).
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface RpcAuthOptions {
  /** Where the cookie goes; default `<datadir>/.cookie`. */
  cookieFile?: string;
  datadir: string;
  user?: string;
  password?: string;
  rpcauth?: readonly string[];
}

export class RpcAuth {
  /** The cookie file, or undefined when rpc-password replaces it. */
  readonly path: string | undefined;
  /** The cookie's secret (64 hex), or undefined when rpc-password replaces it. */
  readonly secret: string | undefined;
  private readonly userPass: string | undefined;
  private readonly entries: RpcAuthEntry[];

  constructor(opts: RpcAuthOptions) {
    this.entries = (opts.rpcauth ?? []).map(parseRpcAuth);
    if (opts.password !== undefined && opts.password !== '') {
      // Core: an empty -rpcuser is allowed with -rpcpassword.
      this.userPass = `${opts.user ?? ''}:${opts.password}`;
    } else {
      this.path = cookiePath(opts.datadir, opts.cookieFile);
      this.secret = randomBytes(32).toString('hex');
      this.userPass = `${COOKIE_USER}:${this.secret}`;
    }
  }

  /** `__cookie__:<secret>`, as the cookie file holds it (undefined without a cookie). */
  get cookie(): string | undefined {
    return this.secret === undefined ? undefined : `${COOKIE_USER}:${this.secret}`;
  }

  async write(): Promise<void> {
    if (this.path === undefined) return;
    await writeFile(this.path, this.cookie!, { mode: 0o600 });
    await chmod(this.path, 0o600);
  }

  async remove(): Promise<void> {
    if (this.path !== undefined) await rm(this.path, { force: true });
  }

  /** The user an Authorization header proves, or undefined (Core's RPCAuthorized). */
  check(header: string | undefined): string | undefined {
    if (!header?.startsWith('Basic ')) return undefined;
    const given = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = given.indexOf(':');
    if (colon < 0) return undefined;
    const user = given.slice(0, colon);
    const password = given.slice(colon + 1);
    let ok = this.userPass !== undefined && sameText(given, this.userPass);
    for (const e of this.entries) {
      // Every entry is checked, matched or not, so the time says nothing about which one.
      if (sameText(user, e.user) && sameText(rpcAuthHash(e.salt, password), e.hash)) ok = true;
    }
    return ok ? user : undefined;
  }
}
