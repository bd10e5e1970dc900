/**
 * The data directory is private to its user (Core runs with umask 077): created 0700, the leaf
 * chmod'ed past the umask, existing directories never chmod'ed.
 */
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDataDir } from '../node/datadir.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('createDataDir', () => {
  it('creates missing directories 0700 and leaves existing ones alone', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gl-datadir-'));
    dirs.push(root);
    const parent = join(root, 'share');
    await mkdir(parent);
    await chmod(parent, 0o755);
    const leaf = join(parent, 'gossip-ledger', 'regtest');
    expect(await createDataDir(leaf)).toBe(true);
    expect(await mode(leaf)).toBe(0o700);
    expect(await mode(join(parent, 'gossip-ledger'))).toBe(0o700);
    expect(await mode(parent)).toBe(0o755);

    // A data dir the user made (and opened up) on purpose is not tightened behind their back.
    await chmod(leaf, 0o750);
    expect(await createDataDir(leaf)).toBe(false);
    expect(await mode(leaf)).toBe(0o750);
  });
});
