/**
 * Time and chance are injected (node/clock.ts): the node's running code reads the time, arms
 * timers and draws non-secret random numbers only through the `Clock` and `Random` FullNode
 * was given, so a simulator can run many nodes on one virtual clock and replay a run from a
 * seed. This test reads the syntax tree of every .ts file under node/p2p, node/mempool and
 * node/chain, and of node/node.ts, node/status.ts and node/ibd.ts, and refuses:
 *
 * - `Date.now`, `new Date()` without an argument, `performance.now`, `process.hrtime`,
 *   `Math.random`;
 * - a call of the global `setTimeout`, `setInterval` (also through `globalThis`) or of
 *   node:crypto's `randomBytes`/`randomInt`/`randomUUID`, and imports of node:timers or
 *   node:perf_hooks.
 *
 * `clock.setTimeout(…)` is a method of the injected clock and passes; `setImmediate` and
 * microtasks only yield to the event loop and are not time. The exceptions are listed below
 * with their reason; the checker itself is tried first on made-up sources, so a rule that
 * stopped matching would show.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED_DIRS = ['node/p2p', 'node/mempool', 'node/chain', 'node/dht'];
const SCANNED_FILES = ['node/node.ts', 'node/status.ts', 'node/ibd.ts'];

/** file -> what it may use, and why. */
const EXCEPTIONS: Record<string, { allowed: string[]; why: string }> = {
  'node/p2p/transport/tcp.ts': {
    allowed: ['setTimeout'],
    why: "Node's sockets run in real time; the connect timeout is theirs",
  },
  'node/chain/script-cache.ts': {
    allowed: ['randomBytes'],
    why: "the cache's salt keeps its keys unpredictable to an attacker (Core salts its cache from the CSPRNG too)",
  },
  'node/chain/sig-cache.ts': {
    allowed: ['randomBytes'],
    why: "the signature cache's salt, as the script cache's (Core salts CSignatureCache from the CSPRNG)",
  },
  'node/dht/identity.ts': {
    allowed: ['randomBytes'],
    why: "the DHT key is a secret: it comes from the system's CSPRNG, never from a replayable stream",
  },
};

const GLOBAL_TIMERS = new Set(['setTimeout', 'setInterval']);
const CRYPTO_RANDOM = new Set(['randomBytes', 'randomInt', 'randomUUID']);
const BANNED_MEMBERS: Record<string, Set<string>> = {
  Date: new Set(['now']),
  Math: new Set(['random']),
  performance: new Set(['now']),
  process: new Set(['hrtime']),
};
const BANNED_MODULES = new Set(['timers', 'timers/promises', 'perf_hooks']);

/** Each use of real time or real chance in `source`, as "line: what". */
function realTimeUses(file: string, source: string): { line: number; what: string }[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const out: { line: number; what: string }[] = [];
  const at = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression)) {
      const obj = n.expression.text;
      if (BANNED_MEMBERS[obj]?.has(n.name.text)) out.push({ line: at(n), what: `${obj}.${n.name.text}` });
      if ((obj === 'globalThis' || obj === 'global') && GLOBAL_TIMERS.has(n.name.text))
        out.push({ line: at(n), what: n.name.text });
    }
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
      const name = n.expression.text;
      if (GLOBAL_TIMERS.has(name) || CRYPTO_RANDOM.has(name)) out.push({ line: at(n), what: name });
    }
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'Date') {
      if (!n.arguments || n.arguments.length === 0) out.push({ line: at(n), what: 'new Date()' });
    }
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const spec = n.moduleSpecifier.text.replace(/^node:/, '');
      if (BANNED_MODULES.has(spec)) out.push({ line: at(n), what: `import ${n.moduleSpecifier.text}` });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function scannedFiles(): string[] {
  const fromDirs = SCANNED_DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/')),
  );
  return [...fromDirs, ...SCANNED_FILES].sort();
}

describe('the real-time checker', () => {
  const whats = (src: string) => realTimeUses('x.ts', src).map((u) => u.what);

  it('finds clock reads, global timers, Math.random and crypto randomness', () => {
    expect(whats('const t = Date.now();')).toEqual(['Date.now']);
    expect(whats('const f = Date.now;')).toEqual(['Date.now']);
    expect(whats('const d = new Date();')).toEqual(['new Date()']);
    expect(whats('performance.now(); process.hrtime.bigint();')).toEqual([
      'performance.now',
      'process.hrtime',
    ]);
    expect(whats('const r = Math.random();')).toEqual(['Math.random']);
    expect(whats('setTimeout(() => 1, 5); setInterval(f, 9);')).toEqual(['setTimeout', 'setInterval']);
    expect(whats('globalThis.setTimeout(f, 1);')).toEqual(['setTimeout']);
    expect(whats("import { randomBytes } from 'node:crypto'; const n = randomBytes(8);")).toEqual([
      'randomBytes',
    ]);
    expect(whats("import { setTimeout as sleep } from 'node:timers/promises';")).toEqual([
      'import node:timers/promises',
    ]);
  });

  it('lets through the injected clock, yields, formatting a given time, comments and strings', () => {
    expect(
      whats(
        [
          'this.clock.setTimeout(f, 5); clock.setInterval(f, 1); clock.now();',
          'setImmediate(f); queueMicrotask(f); process.nextTick(f);',
          'new Date(until).toISOString();',
          '// Date.now() and Math.random() in a comment',
          'const s = "setTimeout(f, 1)";',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('gives the line of each use', () => {
    expect(realTimeUses('x.ts', 'const a = 1;\nconst t = Date.now();')).toEqual([
      { line: 2, what: 'Date.now' },
    ]);
  });
});

describe("the node's running code", () => {
  it('reads time and chance only through the injected Clock and Random', () => {
    const files = scannedFiles();
    expect(files).toContain('node/p2p/peer.ts');
    expect(files).toContain('node/mempool/mempool.ts');
    expect(files).toContain('node/chain/chain.ts');
    const found: string[] = [];
    for (const f of files) {
      const allowed = new Set(EXCEPTIONS[f]?.allowed ?? []);
      for (const u of realTimeUses(f, readFileSync(join(ROOT, f), 'utf8')))
        if (!allowed.has(u.what)) found.push(`${f}:${u.line}: ${u.what}`);
    }
    expect(found).toEqual([]);
  });

  it('lists only exceptions that are still needed', () => {
    for (const [f, { allowed }] of Object.entries(EXCEPTIONS)) {
      const uses = new Set(realTimeUses(f, readFileSync(join(ROOT, f), 'utf8')).map((u) => u.what));
      for (const a of allowed) expect(uses.has(a), `${f} no longer uses ${a}`).toBe(true);
    }
  });
});
