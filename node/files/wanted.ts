/**
 * The files the node wants but has no manifest of yet, and who waits for which file
 * (docs/files.md, "Downloading"). A fetch by id asks peers for the manifest (`getmanifest`,
 * Bitswap's "ask connected peers first": those that announced the file, else every files
 * peer), each peer at most once per target. A manifest that arrives before its anchor reached
 * our best chain is not an error: that peer is asked again once our tip moves, so a fetch
 * started a block early does not stall.
 *
 * Waiters are keyed by a fetch target until its manifest names the file, then by manifest id
 * (`moveWaiters`); each is settled once, when the file is whole and written, on stop, or by its
 * find timeout (`NO_PROVIDERS`) when by then nobody provided the file.
 */
import { commitmentFromPath } from '../anchors/commitment.js';
import { AnchorError } from '../anchors/errors.js';
import type { Manifest } from '../anchors/manifest.js';
import { decodeManifest, manifestId } from '../anchors/manifest-codec.js';
import { type Clock, unref } from '../clock.js';
import { P2PError } from '../p2p/errors.js';
import type { Peer } from '../p2p/peer.js';
import { fromHex, toHex } from '../protocol/bytes.js';
import { FilesError } from './errors.js';
import type { FilesPeer } from './peers.js';

export interface Wanted {
  output: string | null;
  asked: Set<Peer>;
  /** Peers whose manifest came before its anchor reached our best chain: asked again on a new tip. */
  early?: Set<FilesPeer>;
}

type Waiter = (e: Error | null) => void;

export interface WantedDeps {
  clock: Clock;
  /** Whether nobody has provided `key` (a target or manifest id) so far. */
  noProvider(key: string): boolean;
  /** Why `key` has no provider after `ms` (called before the fetch is given up). */
  whyNone(key: string, ms: number): FilesError;
  /** The fetch of target `key` was given up: nobody waits for it any more. */
  abandoned(key: string): void;
}

export class WantedFiles {
  private readonly deps: WantedDeps;
  private readonly wanted = new Map<string, Wanted>();
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(deps: WantedDeps) {
    this.deps = deps;
  }

  get(target: string): Wanted | undefined {
    return this.wanted.get(target);
  }

  has(target: string): boolean {
    return this.wanted.has(target);
  }

  targets(): IterableIterator<string> {
    return this.wanted.keys();
  }

  /** Wants `target` (fetched to `output`, if given) and asks `from` for its manifest. */
  want(target: string, output: string | null, from: Iterable<FilesPeer>): void {
    const w = this.wanted.get(target) ?? { output, asked: new Set<Peer>() };
    if (output) w.output = output;
    this.wanted.set(target, w);
    for (const fp of from) this.ask(fp, target, w);
  }

  /** Asks `fp` for the manifest of `target`, once. */
  ask(fp: FilesPeer, target: string, w: Wanted): void {
    if (w.asked.has(fp.peer)) return;
    w.asked.add(fp.peer);
    fp.asked.add(target);
    fp.peer.send({ command: 'getmanifest', id: fromHex(target) });
  }

  /** A new files peer: asked for every manifest still wanted. */
  askAll(fp: FilesPeer): void {
    for (const [target, w] of this.wanted) this.ask(fp, target, w);
  }

  /** Stops wanting `target`, returning what was wanted (taken before any await: one download per file). */
  take(target: string): Wanted | undefined {
    const w = this.wanted.get(target);
    this.wanted.delete(target);
    return w;
  }

  /** `fp`'s manifest of `target` came before its anchor: wanted again, and `fp` asked on a new tip. */
  deferEarly(target: string, w: Wanted, fp: FilesPeer): void {
    w.asked.delete(fp.peer);
    w.early ??= new Set();
    w.early.add(fp);
    this.wanted.set(target, w);
  }

  /** The tip moved: peers whose manifest came early, and still connected, are asked again. */
  retryEarly(connected: (fp: FilesPeer) => boolean): void {
    for (const [target, w] of this.wanted) {
      if (!w.early?.size) continue;
      const again = [...w.early];
      w.early.clear();
      for (const fp of again) if (connected(fp)) this.ask(fp, target, w);
    }
  }

  /** Removes `target` (the file was removed); true if it was wanted. */
  drop(target: string): boolean {
    return this.wanted.delete(target);
  }

  /** The waiters of target `from` now wait for manifest id `to`. */
  moveWaiters(from: string, to: string): void {
    if (from === to) return;
    const ws = this.waiters.get(from);
    if (!ws) return;
    this.waiters.delete(from);
    this.waiters.set(to, [...(this.waiters.get(to) ?? []), ...ws]);
  }

  /** Settles every waiter of `key` with `err` (null: the file is whole and written). */
  settle(key: string, err: Error | null): void {
    const ws = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    for (const w of ws) w(err);
  }

  /** Rejects every waiter with CANCELLED (the node stops). */
  cancelAll(): void {
    for (const [id, ws] of this.waiters)
      for (const w of ws) w(new FilesError('CANCELLED', `stopped before ${id} finished`));
    this.waiters.clear();
  }

  /**
   * Resolves once `key` is settled. With `findTimeoutMs`, rejects with NO_PROVIDERS if by then
   * no provider was found; a fetch nobody else waits for is then given up.
   */
  wait(key: string, findTimeoutMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: unknown = null;
      const w: Waiter = (e) => {
        if (timer !== null) this.deps.clock.clearTimeout(timer);
        timer = null;
        if (e) reject(e);
        else resolve();
      };
      const ws = this.waiters.get(key) ?? [];
      ws.push(w);
      this.waiters.set(key, ws);
      const ms = findTimeoutMs;
      if (ms === undefined) return;
      timer = this.deps.clock.setTimeout(() => {
        timer = null;
        const err = this.giveUpIfNoProvider(w, ms);
        if (err) reject(err);
      }, ms);
      unref(timer);
    });
  }

  /** The find timeout of waiter `w`: its error if no provider was found (`w` is then dropped). */
  private giveUpIfNoProvider(w: Waiter, ms: number): FilesError | null {
    // Keyed by where `w` waits now: its target may have become a manifest id meanwhile.
    const key = [...this.waiters].find(([, ws]) => ws.includes(w))?.[0];
    if (key === undefined) return null;
    if (!this.wanted.has(key) && !this.deps.noProvider(key)) return null;
    const rest = (this.waiters.get(key) ?? []).filter((x) => x !== w);
    if (rest.length > 0) this.waiters.set(key, rest);
    else this.waiters.delete(key);
    const err = this.deps.whyNone(key, ms);
    if (rest.length === 0 && this.wanted.delete(key)) this.deps.abandoned(key);
    return err;
  }
}

/**
 * A `manifest` message checked against what was asked of `fp` (its id, or its id under the
 * asked commitment via its path): BAD_MANIFEST otherwise. The target it answers is no longer
 * asked of `fp`.
 */
export function askedManifest(
  fp: FilesPeer,
  bytes: Uint8Array,
  link: { index: number; count: number; path: Uint8Array[] },
): { manifest: Manifest; idHex: string; commitment: Uint8Array; target: string } {
  let manifest: Manifest;
  try {
    manifest = decodeManifest(bytes);
  } catch (e) {
    if (e instanceof AnchorError) throw new P2PError('BAD_MANIFEST', e.message);
    throw e;
  }
  const id = manifestId(manifest);
  const idHex = toHex(id);
  const commitment = commitmentFromPath(id, link);
  if (!commitment) throw new P2PError('BAD_MANIFEST', 'commitment path cannot belong to a tree');
  const target = [...fp.asked].find((t) => t === idHex || t === toHex(commitment));
  if (!target) throw new P2PError('BAD_MANIFEST', `manifest ${idHex} was not asked for`);
  fp.asked.delete(target);
  return { manifest, idHex, commitment, target };
}

/** Why no provider of `key` was found within `ms` (a fetch's find timeout), with or without the DHT. */
export function noProvidersError(
  key: string,
  ms: number,
  dht: { found(id: string): number; lookups(id: string): number } | null,
): FilesError {
  const s = Math.round(ms / 1000);
  const found = dht?.found(key) ?? 0;
  const why = !dht
    ? `no connected peer holds ${key} (none answered within ${s} s); the DHT is off: start the node with --dht-port to look beyond connected peers`
    : found > 0
      ? `no connected peer holds ${key}; the DHT named ${found} provider(s), but none served it within ${s} s`
      : `no connected peer holds ${key}, and the DHT found no provider within ${s} s (${dht.lookups(key)} lookup(s))`;
  return new FilesError('NO_PROVIDERS', why);
}
