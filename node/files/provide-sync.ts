/**
 * Keeps the node's DHT announcements in line with its store (issue 17, docs/dht.md, "How file
 * sharing uses it"): every whole file anchored on the best chain is provided under its anchor id
 * (dht-fallback.ts says why not always the manifest id), and nothing else. Checked on share,
 * fetch, removal and tip changes, and every PROVIDE_CHECK_MS; one check runs at a time, and a
 * request during one runs another after it, so no change is missed.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { toHex } from '../protocol/bytes.js';
import type { DhtFallback } from './dht-fallback.js';
import type { FileStore, StoredFile } from './store.js';

/** Between checks of what the node announces in the DHT (share, fetch and tip changes also check). */
export const PROVIDE_CHECK_MS = 5_000;

export interface ProvideSyncDeps {
  store: FileStore;
  clock: Clock;
  log: Logger;
  anchored(f: StoredFile): Promise<boolean>;
  /** The DHT fallback; null while the node runs no DHT. */
  dht(): DhtFallback | null;
  stopped(): boolean;
}

export class ProvideSync {
  private readonly deps: ProvideSyncDeps;
  private nextCheck = 0;
  private syncing: Promise<void> | null = null;
  private resync = false;

  constructor(deps: ProvideSyncDeps) {
    this.deps = deps;
  }

  /** Whether the periodic check is due. */
  due(): boolean {
    return this.deps.clock.now() >= this.nextCheck;
  }

  sync(): Promise<void> {
    if (!this.deps.dht() || this.deps.stopped()) return Promise.resolve();
    if (this.syncing) {
      this.resync = true;
      return this.syncing;
    }
    this.nextCheck = this.deps.clock.now() + PROVIDE_CHECK_MS;
    // Cleared in a `.finally` callback, which always runs after this assignment (a body with no
    // await would otherwise clear it first, and no later check would ever run).
    this.syncing = (async () => {
      try {
        do {
          this.resync = false;
          const keys = new Map<string, Uint8Array>();
          for (const f of [...this.deps.store.files.values()])
            if (f.complete && (await this.deps.anchored(f))) keys.set(toHex(f.commitment), f.commitment);
          if (!this.deps.stopped()) this.deps.dht()?.provideOnly(keys);
        } while (this.resync && !this.deps.stopped());
      } catch (e) {
        this.deps.log.warn('checking the files to announce failed', { error: (e as Error).message });
      }
    })().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }
}
