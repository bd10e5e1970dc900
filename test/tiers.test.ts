/**
 * The test tiers of test/tiers.ts: every test file is in exactly one tier (a file in none would
 * not run at all, since each tier's include list is explicit), every listed file exists, and no
 * file sits below what its imports need. What a file needs is read from its imports and those of
 * the test and bench helpers it reaches (type-only imports included, as the layering test does):
 *
 * - browser: `playwright-core`;
 * - process: `node:child_process`;
 * - node: `node/node.ts` (FullNode), the in-memory transport, the explorer app, the miner's
 *   worker pool, or Node's `net`/`http` servers.
 *
 * A file may sit above its imports' tier (the script-pool test loads the pool from dist/ by a
 * computed path), never below; and a file in the process or browser tier must need it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { TIERS, type Tier } from './tiers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RANK: Record<Tier, number> = { unit: 0, node: 1, process: 2, browser: 3 };

const NEEDS: { tier: Tier; external: string[]; local: string[] }[] = [
  { tier: 'browser', external: ['playwright-core'], local: [] },
  { tier: 'process', external: ['node:child_process', 'child_process'], local: [] },
  {
    tier: 'node',
    external: ['node:net', 'net', 'node:http', 'http', 'fastify'],
    local: [
      'node/node.ts',
      'node/p2p/transport/memory.ts',
      'explorer-api/index.ts',
      'node/mining/miner-pool.ts',
    ],
  },
];

type Source = (path: string) => string | undefined;

/** The repo files and external modules `file` reaches through test/ and bench/ files. */
function reach(file: string, read: Source): { locals: Set<string>; externals: Set<string> } {
  const locals = new Set<string>();
  const externals = new Set<string>();
  const walk = (f: string) => {
    if (locals.has(f)) return;
    locals.add(f);
    const src = read(f);
    if (src === undefined || !(f.startsWith('test/') || f.startsWith('bench/'))) return;
    for (const { fileName: spec } of ts.preProcessFile(src, true, true).importedFiles) {
      if (!spec.startsWith('.')) externals.add(spec);
      else walk(posix.normalize(posix.join(posix.dirname(f), spec)).replace(/\.js$/, '.ts'));
    }
  };
  walk(file);
  return { locals, externals };
}

/** The lowest tier `file`'s imports allow. */
function needed(file: string, read: Source): Tier {
  const { locals, externals } = reach(file, read);
  for (const n of NEEDS)
    if (n.external.some((e) => externals.has(e)) || n.local.some((l) => locals.has(l))) return n.tier;
  return 'unit';
}

const diskSource: Source = (p) => {
  const abs = join(ROOT, p);
  return existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
};

function testFiles(): string[] {
  return readdirSync(join(ROOT, 'test'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

describe('the tier checker', () => {
  const tree: Record<string, string> = {
    'test/a.test.ts': "import { x } from './helpers/h.js';",
    'test/helpers/h.ts': "import { FullNode } from '../../node/node.js';",
    'test/b.test.ts': "import { spawn } from 'node:child_process';\nimport './helpers/h.js';",
    'test/c.test.ts': "import { chromium } from 'playwright-core';",
    'test/d.test.ts': "import { Tx } from '../node/protocol/tx.js';\n// import '../node/node.js'",
    'node/protocol/tx.ts': "import '../node.js';",
  };
  const read: Source = (p) => tree[p];

  it("follows helpers' imports, not the node's own, nor comments", () => {
    expect(needed('test/a.test.ts', read)).toBe('node');
    expect(needed('test/b.test.ts', read)).toBe('process');
    expect(needed('test/c.test.ts', read)).toBe('browser');
    expect(needed('test/d.test.ts', read)).toBe('unit');
  });
});

describe('test/tiers.ts', () => {
  const tierOf = new Map<string, Tier[]>();
  for (const [tier, files] of Object.entries(TIERS) as [Tier, readonly string[]][])
    for (const f of files) tierOf.set(f, [...(tierOf.get(f) ?? []), tier]);

  it('puts every test file in exactly one tier', () => {
    const problems: string[] = [];
    for (const f of testFiles()) {
      const tiers = tierOf.get(f) ?? [];
      if (tiers.length === 0)
        problems.push(
          `${f} is in no tier: add it to test/tiers.ts (its imports say ${needed(f, diskSource)})`,
        );
      if (tiers.length > 1) problems.push(`${f} is in ${tiers.length} tiers: ${tiers.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('lists only files that exist', () => {
    expect([...tierOf.keys()].filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
  });

  it("puts no file below its imports' tier, and only files that need them in process and browser", () => {
    const problems: string[] = [];
    for (const [f, tiers] of tierOf) {
      const tier = tiers[0]!;
      const need = needed(f, diskSource);
      if (RANK[tier] < RANK[need]) problems.push(`${f} is in ${tier} but its imports need ${need}`);
      if ((tier === 'process' || tier === 'browser') && need !== tier)
        problems.push(`${f} is in ${tier} but its imports say ${need}`);
    }
    expect(problems).toEqual([]);
  });
});
