/**
 * The P2P layer's own LevelDB at <datadir>/peers (Core keeps peers.dat and banlist.json): the
 * address book and the ban list survive restarts. Values are JSON, small and few.
 *
 *   v               -> schema version (decimal text)
 *   a <host:port>   -> address entry (AddrRecord)
 *   b <host>        -> ban entry (BanRecord)
 *
 * Writes are issued in order and not awaited by callers (a lost update costs an address, not
 * consistency); `close` waits for the last one.
 */
import { Level } from 'level';
import { addrKey } from './netaddr.js';

export const PEER_DB_VERSION = 1;

export interface AddrRecord {
  host: string;
  port: number;
  /** Hex. */
  services: string;
  /** Milliseconds since the epoch; 0 for never. */
  lastSeen: number;
  lastSuccess: number;
  lastAttempt: number;
  attempts: number;
  source: 'seed' | 'addr' | 'manual' | 'inbound';
}

export interface BanRecord {
  host: string;
  /** Milliseconds since the epoch. */
  created: number;
  until: number;
  reason: string;
}

export class PeerDbError extends Error {
  readonly code = 'WRONG_SCHEMA';
}

export class PeerDb {
  private readonly db: Level<string, string>;
  private tail: Promise<void> = Promise.resolve();
  onError: (e: Error) => void = () => undefined;

  private constructor(db: Level<string, string>) {
    this.db = db;
  }

  static async open(path: string): Promise<PeerDb> {
    const db = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    const v = await db.get('v');
    if (v === undefined) await db.put('v', String(PEER_DB_VERSION));
    else if (v !== String(PEER_DB_VERSION)) {
      await db.close();
      throw new PeerDbError(`peer database ${path} has schema ${v}, this node needs ${PEER_DB_VERSION}`);
    }
    return new PeerDb(db);
  }

  private async load<T>(prefix: string): Promise<T[]> {
    const out: T[] = [];
    for await (const [, v] of this.db.iterator({ gt: prefix, lt: `${prefix}\uffff` })) {
      try {
        out.push(JSON.parse(v) as T);
      } catch {
        // A damaged record is skipped; the next write of that key replaces it.
      }
    }
    return out;
  }

  loadAddrs(): Promise<AddrRecord[]> {
    return this.load<AddrRecord>('a');
  }

  loadBans(): Promise<BanRecord[]> {
    return this.load<BanRecord>('b');
  }

  private write(ops: { type: 'put' | 'del'; key: string; value?: string }[]): void {
    if (ops.length === 0) return;
    const batch = ops.map((o) =>
      o.type === 'put'
        ? { type: 'put' as const, key: o.key, value: o.value! }
        : { type: 'del' as const, key: o.key },
    );
    this.tail = this.tail.then(() => this.db.batch(batch)).catch((e: Error) => this.onError(e));
  }

  putAddrs(records: readonly AddrRecord[]): void {
    this.write(
      records.map((r) => ({ type: 'put', key: `a${addrKey(r.host, r.port)}`, value: JSON.stringify(r) })),
    );
  }

  delAddrs(keys: readonly string[]): void {
    this.write(keys.map((k) => ({ type: 'del', key: `a${k}` })));
  }

  putBan(r: BanRecord): void {
    this.write([{ type: 'put', key: `b${r.host}`, value: JSON.stringify(r) }]);
  }

  delBans(hosts: readonly string[]): void {
    this.write(hosts.map((h) => ({ type: 'del', key: `b${h}` })));
  }

  async close(): Promise<void> {
    await this.tail;
    await this.db.close();
  }
}
