/**
 * The layering of the source tree (ARCHITECTURE.md, "Folders"), checked on its import graph:
 * every `import … from`, `export … from`, `import()` and `require()` of every .ts file under
 * node/, wallet/, explorer-api/ and scripts/, type-only imports included (they still tie a
 * layer to another's internals), relative paths resolved to files. The rules:
 *
 * 1. `node/protocol/` imports nothing of ours outside itself; `node/consensus/` and
 *    `node/anchors/` import only themselves and `node/protocol/`.
 * 2. Those three are pure: none imports a Node.js built-in that does I/O or reads the
 *    environment (fs, net, http, worker_threads, child_process, os, …) or a package that does
 *    (level, fastify, prom-client, …).
 * 3. `wallet/` imports of ours only `wallet/`, `node/protocol/` and `node/anchors/`: it talks to
 *    a node over HTTP, never through its code.
 * 4. `explorer-api/` and `node/rpc/` reach the node only through `node/api.ts` (the narrow
 *    views FullNode implements, which also re-exports the plain data types and the few
 *    values they need), besides the pure folders and their own: no `node.ts`, `chain/`,
 *    `mempool/`, `p2p/`, `mining/` import, not even a type-only one, so the re-exports in
 *    api.ts are the whole list of what they see.
 * 5. Nothing under `node/` or `explorer-api/` imports `wallet/` or `scripts/`.
 *
 * The checker runs first on small made-up trees (so a rule that stopped matching would show),
 * then on the real one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['node', 'wallet', 'explorer-api', 'scripts'];

const PURE = ['node/protocol/', 'node/consensus/', 'node/anchors/'];
const IO_BUILTINS = new Set([
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'dns/promises',
  'child_process',
  'cluster',
  'worker_threads',
  'readline',
  'os',
  'process',
  'timers',
  'timers/promises',
  'perf_hooks',
  'inspector',
]);
const IO_PACKAGES = ['level', 'classic-level', 'fastify', '@fastify/', 'prom-client', 'playwright-core'];

/** One import: the file (repo-relative, posix) and what it names (a file, `node:x` or a package). */
interface Edge {
  from: string;
  to: string;
  /** A relative import: `to` is a file of this repository. */
  local: boolean;
}

/** Allowed repo-relative prefixes (or exact files) for imports of ours, by importing folder. */
const OURS: { scope: string; allowed: string[]; why: string }[] = [
  { scope: 'node/protocol/', allowed: ['node/protocol/'], why: 'protocol imports only protocol' },
  {
    scope: 'node/consensus/',
    allowed: ['node/consensus/', 'node/protocol/'],
    why: 'consensus imports only consensus and protocol',
  },
  {
    scope: 'node/anchors/',
    allowed: ['node/anchors/', 'node/protocol/'],
    why: 'anchors imports only anchors and protocol',
  },
  {
    scope: 'wallet/',
    allowed: ['wallet/', 'node/protocol/', 'node/anchors/'],
    why: 'the wallet imports only wallet, node/protocol and node/anchors',
  },
  {
    scope: 'explorer-api/',
    allowed: ['explorer-api/', ...PURE, 'node/api.ts'],
    why: 'the explorer reaches the node only through node/api.ts',
  },
  {
    scope: 'node/rpc/',
    allowed: ['node/rpc/', ...PURE, 'node/api.ts'],
    why: 'the RPC reaches the node only through node/api.ts',
  },
  {
    scope: 'node/',
    allowed: ['node/', 'explorer-api/'],
    why: 'the node never imports the wallet or scripts',
  },
];

const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);
const builtinName = (spec: string) => spec.replace(/^node:/, '');
const under = (path: string, prefix: string) =>
  prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix;

/** The imports of one source file, relative ones resolved to repo-relative .ts paths. */
function importsOf(file: string, source: string, exists: (path: string) => boolean): Edge[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map(({ fileName: spec }) => {
    if (!spec.startsWith('.')) return { from: file, to: spec, local: false };
    const target = posix.normalize(posix.join(posix.dirname(file), spec));
    const asTs = target.replace(/\.js$/, '.ts');
    return { from: file, to: exists(asTs) ? asTs : target, local: true };
  });
}

/** Every import that breaks a rule, as one line each. */
function violations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const { from, to, local } of edges) {
    if (!local) {
      const io = isBuiltin(to)
        ? IO_BUILTINS.has(builtinName(to))
        : IO_PACKAGES.some((p) => to === p || (p.endsWith('/') && to.startsWith(p)));
      if (io && PURE.some((p) => under(from, p)))
        out.push(`${from} imports ${to}: node/protocol, consensus and anchors do no I/O`);
      continue;
    }
    // The most specific scope decides (node/rpc/ before node/).
    const rule = OURS.filter((r) => under(from, r.scope)).sort((a, b) => b.scope.length - a.scope.length)[0];
    if (rule && !rule.allowed.some((a) => under(to, a))) out.push(`${from} imports ${to}: ${rule.why}`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/'));
}

function treeEdges(): Edge[] {
  const files = SCANNED.flatMap(sourceFiles);
  const known = new Set(files);
  return files.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), 'utf8'), (p) => known.has(p)));
}

describe('the layering checker', () => {
  const check = (file: string, source: string, others: string[] = []) =>
    violations(importsOf(file, source, (p) => others.includes(p)));

  it('finds an upward import, a dynamic one and a re-export, type-only ones included', () => {
    expect(check('node/protocol/hash.ts', "import '../chain/chain.js';", ['node/chain/chain.ts'])).toEqual([
      'node/protocol/hash.ts imports node/chain/chain.ts: protocol imports only protocol',
    ]);
    expect(check('node/consensus/a.ts', "const m = await import('../mempool/index.js');")).toEqual([
      'node/consensus/a.ts imports node/mempool/index.js: consensus imports only consensus and protocol',
    ]);
    expect(check('node/anchors/a.ts', "export { X } from '../../wallet/x.js';", ['wallet/x.ts'])).toEqual([
      'node/anchors/a.ts imports wallet/x.ts: anchors imports only anchors and protocol',
    ]);
    expect(
      check('explorer-api/routes/a.ts', "import type { Chain } from '../../node/chain/chain.js';", [
        'node/chain/chain.ts',
      ]),
    ).toEqual([
      'explorer-api/routes/a.ts imports node/chain/chain.ts: the explorer reaches the node only through node/api.ts',
    ]);
    expect(check('node/rpc/m.ts', "import type { FullNode } from '../node.js';", ['node/node.ts'])).toEqual([
      'node/rpc/m.ts imports node/node.ts: the RPC reaches the node only through node/api.ts',
    ]);
    expect(
      check('wallet/a.ts', "import { Chain } from '../node/chain/chain.js';", ['node/chain/chain.ts']),
    ).toEqual([
      'wallet/a.ts imports node/chain/chain.ts: the wallet imports only wallet, node/protocol and node/anchors',
    ]);
    expect(check('node/chain/a.ts', "import '../../scripts/devnet.js';", ['scripts/devnet.ts'])).toEqual([
      'node/chain/a.ts imports scripts/devnet.ts: the node never imports the wallet or scripts',
    ]);
  });

  it('finds I/O in the pure folders, and ignores imports in comments and strings', () => {
    expect(check('node/protocol/a.ts', "import { readFileSync } from 'node:fs';")).toEqual([
      'node/protocol/a.ts imports node:fs: node/protocol, consensus and anchors do no I/O',
    ]);
    expect(check('node/anchors/a.ts', "import { Worker } from 'worker_threads';")).toHaveLength(1);
    expect(check('node/consensus/a.ts', "import { Level } from 'level';")).toHaveLength(1);
    expect(
      check('node/protocol/a.ts', "// import '../chain/chain.js'\nconst s = \"import '../p2p/p2p.js'\";"),
    ).toEqual([]);
  });

  it('allows what the layers may use', () => {
    expect(
      check('node/consensus/a.ts', "import { Tx } from '../protocol/tx.js';", ['node/protocol/tx.ts']),
    ).toEqual([]);
    expect(check('node/protocol/a.ts', "import { hash } from 'node:crypto';")).toEqual([]);
    expect(
      check('explorer-api/a.ts', "import { type ExplorerNode } from '../node/api.js';", ['node/api.ts']),
    ).toEqual([]);
    expect(check('node/chain/a.ts', "import { Level } from 'level';")).toEqual([]);
    expect(check('node/node.ts', "import { buildExplorer } from '../explorer-api/index.js';")).toEqual([]);
  });
});

describe('the source tree', () => {
  it('has no import that crosses the layering', () => {
    const edges = treeEdges();
    // A scan that found nothing would pass every rule.
    expect(edges.filter((e) => e.from.startsWith('node/protocol/')).length).toBeGreaterThan(20);
    expect(edges.some((e) => e.from.startsWith('explorer-api/') && e.to === 'node/api.ts')).toBe(true);
    expect(violations(edges)).toEqual([]);
  });
});
