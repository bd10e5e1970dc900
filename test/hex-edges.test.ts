/**
 * Bytes inside, hex at the edges (issue 14, ARCHITECTURE.md "Ids"). Txids, wtxids and block
 * hashes travel through node/chain, node/mempool and node/p2p as branded bytes
 * (node/protocol/ids.ts); display hex is parsed back into bytes only where it comes in: the
 * RPC, the explorer, the CLIs. So no call in those three folders turns hex into bytes
 * (`fromHex`, `hashFromDisplay`, the `*FromDisplay` parsers, `Buffer.from(…, 'hex')`), except in
 * the edge functions ALLOWED names (none today). The scan reads the syntax tree, so comments
 * and strings do not count; it is checked first on made-up sources, then on the real ones.
 *
 * Also here: the branded parsers themselves (64 hex characters or a typed BAD_HEX error).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { hashToDisplay } from '../node/protocol/hash.js';
import {
  blockHashFromDisplay,
  hashKey,
  toDisplay,
  txidFromDisplay,
  txidOf,
  wtxidFromDisplay,
} from '../node/protocol/ids.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['node/chain', 'node/mempool', 'node/p2p'];
/** `file#function` of the edge functions allowed to parse hex (keep it short; none today). */
const ALLOWED = new Set<string>([]);
const PARSERS = new Set([
  'fromHex',
  'hashFromDisplay',
  'txidFromDisplay',
  'wtxidFromDisplay',
  'blockHashFromDisplay',
]);

/** Name of the function, method or variable a node sits in, innermost first ('<top>' if none). */
function enclosing(node: ts.Node): string {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name) return n.name.getText();
    if ((ts.isVariableDeclaration(n) || ts.isPropertyDeclaration(n)) && n.name) return n.name.getText();
  }
  return '<top>';
}

/** Every hex-to-bytes call in one source, as `file#function: text`. */
function hexParses(file: string, text: string): string[] {
  // Only sources that mention a parser or 'hex' are parsed (the scan stays fast).
  if (!/fromHex|FromDisplay|['"]hex['"]/.test(text)) return [];
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const hits: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : '';
      const bufferHex =
        ts.isPropertyAccessExpression(callee) &&
        callee.expression.getText() === 'Buffer' &&
        name === 'from' &&
        n.arguments.some((a) => ts.isStringLiteralLike(a) && a.text === 'hex');
      if (PARSERS.has(name) || bufferHex) hits.push(`${file}#${enclosing(n)}: ${n.getText()}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return hits;
}

function offending(file: string, text: string): string[] {
  return hexParses(file, text).filter((h) => !ALLOWED.has(h.slice(0, h.indexOf(':'))));
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) =>
      relative(ROOT, join(ROOT, dir, f))
        .split('\\')
        .join('/'),
    );
}

describe('hex at the edges only', () => {
  it('finds every kind of hex parse on made-up sources, and ignores comments and strings', () => {
    const made = [
      "import { fromHex } from '../protocol/bytes.js';",
      'export function a(s: string) { return fromHex(s); }',
      'class B { get(k: string) { return hashFromDisplay(k); } }',
      'const c = (k: string) => txidFromDisplay(k);',
      "function d(k: string) { return Buffer.from(k, 'hex'); }",
      "function e(k: string) { return Buffer.from(k, 'utf8'); }",
      '// fromHex(x) in a comment',
      "const f = 'hashFromDisplay(x) in a string';",
    ].join('\n');
    expect(offending('node/p2p/made.ts', made)).toEqual([
      'node/p2p/made.ts#a: fromHex(s)',
      'node/p2p/made.ts#get: hashFromDisplay(k)',
      'node/p2p/made.ts#c: txidFromDisplay(k)',
      "node/p2p/made.ts#d: Buffer.from(k, 'hex')",
    ]);
  });

  it('finds none in node/chain, node/mempool and node/p2p outside the allowed edges', () => {
    const files = SCANNED.flatMap(sources);
    expect(files.length).toBeGreaterThan(40);
    const hits = files.flatMap((f) => offending(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(hits).toEqual([]);
  });
});

describe('branded ids', () => {
  const hex = `${'00'.repeat(31)}ab`;

  it('parses display hex into internal byte order, and keys and shows it back', () => {
    const t = txidFromDisplay(hex);
    expect(t[0]).toBe(0xab);
    expect(toDisplay(t)).toBe(hex);
    expect(hashKey(t)).toBe(hashToDisplay(t));
    expect(hashKey(blockHashFromDisplay(hex.toUpperCase()))).toBe(hex);
  });

  it('refuses anything but 64 hex characters with BAD_HEX', () => {
    for (const bad of ['', hex.slice(2), `${hex}00`, `${hex.slice(2)}zz`, ` ${hex.slice(1)}`]) {
      expect(() => txidFromDisplay(bad)).toThrow(expect.objectContaining({ code: 'BAD_HEX' }));
      expect(() => wtxidFromDisplay(bad)).toThrow(expect.objectContaining({ code: 'BAD_HEX' }));
    }
  });

  it('takes only 32 bytes from a decoder', () => {
    expect(() => txidOf(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    expect(txidOf(new Uint8Array(32)).length).toBe(32);
  });
});
