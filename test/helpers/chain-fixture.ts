/**
 * Chains on LevelDB in temporary directories for one test file: each chain opened is closed,
 * and each directory removed, after every test. Call at the top level of the file (it
 * registers the afterEach).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Chain, type ChainOptions } from '../../node/chain/chain.js';
import { regtest } from '../../node/protocol/params.js';

export interface ChainFixture {
  /** A new temporary directory, removed after the test. */
  tempDir(): string;
  /** A regtest chain at `path` (a new directory by default), its clock in 2033. */
  openChain(path?: string, opts?: Partial<Omit<ChainOptions, 'path'>>): Promise<Chain>;
  /** Closes `c` now; it is not closed again after the test. */
  closeChain(c: Chain): Promise<void>;
}

export function chainFixture(prefix: string): ChainFixture {
  const dirs: string[] = [];
  const open: Chain[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close().catch(() => undefined);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  return {
    tempDir,
    async openChain(path = tempDir(), opts = {}) {
      const c = await Chain.open({ params: regtest, ...opts, path }, { now: () => 2_000_000_000 });
      open.push(c);
      return c;
    },
    async closeChain(c) {
      const i = open.indexOf(c);
      if (i >= 0) open.splice(i, 1);
      await c.close();
    },
  };
}
