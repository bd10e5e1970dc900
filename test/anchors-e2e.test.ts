/**
 * File anchoring end to end against a regtest node (in-process FullNode, its explorer API on an
 * ephemeral port), through the wallet's own command-line entry run in-process: three files
 * anchored in ONE transaction with ONE OP_RETURN output; proofs pending, then completed by
 * `proof --update` once mined; each file verified online and offline; a changed byte named by
 * its chunk; every field of a proof tampered with in turn, each failure naming its link; and a
 * reorg that drops the anchoring block: online verify says "not in best chain", the node's
 * anchor index forgets the commitment until the transaction is mined again, and the proof then
 * follows it to its new block.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnchorScript } from '../node/anchors/commitment.js';
import { decodeAddress } from '../node/protocol/address.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { BlockHeader, type HeaderFields } from '../node/protocol/header.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { Tx } from '../node/protocol/tx.js';
import { type CliRun, jsonOf, runCli } from './helpers/anchors.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';

const PW = { GOSSIP_WALLET_PASSWORD: 'anchors e2e' };
const BURN = p2wpkh(new Uint8Array(20).fill(0xee));
const CHUNK = 65536;

let dir: string;
let node: TestNode;
let walletFile: string;
const files: string[] = [];

const cli = (...args: string[]) => runCli(['-n', 'regtest', '--node', node.url, ...args], PW);
const wallet = (...args: string[]) => runCli(['-w', walletFile, '--node', node.url, ...args], PW);

interface Verified {
  ok: boolean;
  passed: string[];
  failure: { link: string; code: string; message: string; chunk?: number } | null;
  confirmations: number | null;
  height: number | null;
  block_hash: string | null;
}

interface ProofJson {
  version: number;
  network: string;
  manifest: Record<string, unknown>;
  chunkHashes?: string;
  commitment: { hash: string; index: number; count: number; path: string[] };
  tx: string;
  vout: number;
  block: { height: number; header: string; txIndex: number; branch: string[] } | null;
}

async function verify(file: string, ...extra: string[]): Promise<{ r: CliRun; v: Verified }> {
  const r = await cli('verify', file, '--json', ...extra);
  return { r, v: jsonOf<Verified>(r) };
}

const readProof = async (file: string) =>
  JSON.parse(await readFile(`${file}.anchor.json`, 'utf8')) as ProofJson;

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A header like `h` with a nonce found so that its proof of work holds (or fails). */
function regrind(h: BlockHeader, change: Partial<HeaderFields>, powOk: boolean): string {
  for (let nonce = 0; ; nonce++) {
    const c = new BlockHeader({ ...h, ...change, nonce });
    if (checkProofOfWork(c.hash(), c.bits, regtest.powLimit) === powOk) return toHex(c.toBytes());
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-anchors-e2e-'));
  node = await startTestNode();
  walletFile = join(dir, 'wallet.json');
  const created = await runCli(['-n', 'regtest', '-w', walletFile, 'create', '--scrypt-log-n', '10'], PW);
  expect(created.code).toBe(0);
  const { address } = jsonOf<{ address: string }>(await wallet('address', '--json'));
  await node.node.generate(101, decodeAddress(address, regtest.address));
  // Five chunks (the last one short), exactly one chunk, and an empty file.
  const contents = [randomBytes(4 * CHUNK + 1234, 7), randomBytes(CHUNK, 8), new Uint8Array(0)];
  for (const [i, c] of contents.entries()) {
    const f = join(dir, `file-${i}.bin`);
    await writeFile(f, c);
    files.push(f);
  }
});

afterAll(async () => {
  await stopTestNodes();
  await rm(dir, { recursive: true, force: true });
});

describe('anchoring on regtest', () => {
  let txid = '';
  let commitment = '';
  let anchorHeight = 0;

  it('anchors three files in one transaction with one OP_RETURN', async () => {
    const r = await wallet('anchor', ...files, '--chunk-size', '64k', '--fee-rate', '2', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const a = jsonOf<{ txid: string; commitment: string; vout: number; files: { proof: string }[] }>(r);
    txid = a.txid;
    commitment = a.commitment;
    expect(a.files.map((f) => f.proof)).toEqual(files.map((f) => `${f}.anchor.json`));
    expect(await node.rpc<string[]>('getrawmempool')).toEqual([txid]);

    const proofs = await Promise.all(files.map(readProof));
    const tx = Tx.fromBytes(fromHex(proofs[0]!.tx));
    expect(tx.txidHex()).toBe(txid);
    const anchors = tx.outputs.filter((o) => o.script[0] === 0x6a);
    expect(anchors).toHaveLength(1);
    expect(toHex(parseAnchorScript(anchors[0]!.script)!)).toBe(commitment);
    expect(tx.outputs.indexOf(anchors[0]!)).toBe(a.vout);
    proofs.forEach((p, i) => {
      expect(p).toMatchObject({ network: 'regtest', block: null, vout: a.vout, tx: proofs[0]!.tx });
      expect(p.commitment).toMatchObject({ hash: commitment, index: i, count: 3 });
    });

    // Not mined yet: proofs stay pending, verification says "not yet" (exit 9), not "wrong".
    const pending = await cli('proof', '--update', ...files.map((f) => `${f}.anchor.json`), '--json');
    expect(pending.code).toBe(9);
    expect(jsonOf<{ state: string }[]>(pending).map((s) => s.state)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    const early = await verify(files[0]!);
    expect(early.r.code).toBe(9);
    expect(early.v.failure).toMatchObject({ link: 'block', code: 'NOT_CONFIRMED' });
  });

  it('completes the proofs once mined and verifies every file online and offline', async () => {
    await node.node.generate(1, BURN);
    anchorHeight = node.node.chain.height;
    const r = await cli('anchor-status', ...files.map((f) => `${f}.anchor.json`), '--json');
    expect(r.code).toBe(0);
    const states = jsonOf<{ state: string; written: boolean; height: number }[]>(r);
    expect(states.map((s) => [s.state, s.written, s.height])).toEqual(
      files.map(() => ['confirmed', true, anchorHeight]),
    );
    for (const f of files) {
      const p = await readProof(f);
      expect(p.block).toMatchObject({ height: anchorHeight, txIndex: 1 });
      const online = await verify(f);
      expect(online.r.code).toBe(0);
      expect(online.v).toMatchObject({ ok: true, confirmations: 1, height: anchorHeight });
      expect(online.v.passed).toEqual([
        'file',
        'chunks',
        'commitment',
        'transaction',
        'block',
        'pow',
        'chain',
      ]);
      const offline = await verify(f, '--offline');
      expect(offline.r.code).toBe(0);
      expect(offline.v.passed).not.toContain('chain');
    }
    // Text output names the block; a second update changes nothing.
    const text = await cli('verify', files[1]!);
    expect(text.out).toMatch(/^OK: .* at height \d+/);
    const again = await cli('proof', '--update', `${files[0]}.anchor.json`, '--json');
    expect(jsonOf<{ state: string; written: boolean }[]>(again)[0]).toMatchObject({
      state: 'complete',
      written: false,
    });
    const tooFew = await verify(files[0]!, '--min-conf', '2');
    expect(tooFew.r.code).toBe(9);
    expect(tooFew.v.failure).toMatchObject({ link: 'chain', code: 'TOO_FEW_CONFIRMATIONS' });

    const res = await fetch(`${node.url}/api/anchors/${commitment}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: commitment, txid, height: anchorHeight });
  });

  it('writes nothing when the node answers a Merkle proof that does not hold', async () => {
    const copy = join(dir, 'copy.anchor.json');
    await writeFile(copy, JSON.stringify({ ...(await readProof(files[2]!)), block: null }));
    const before = await readFile(copy, 'utf8');
    // The node's answers, but the tx's position in the block moved by one.
    const proxy = createServer((req, res) => {
      void (async () => {
        const up = await fetch(`${node.url}${req.url}`);
        let body = await up.text();
        if (req.url?.endsWith('/merkle-proof')) {
          const j = JSON.parse(body) as { pos: number };
          j.pos ^= 1;
          body = JSON.stringify(j);
        }
        res
          .writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/plain' })
          .end(body);
      })();
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const r = await runCli(['-n', 'regtest', '--node', url, 'proof', '--update', copy], PW);
      expect(r.code).toBe(6);
      expect(r.err).toMatch(/inconsistent: TX_NOT_IN_BLOCK/);
      expect(await readFile(copy, 'utf8')).toBe(before);
    } finally {
      proxy.closeAllConnections();
      await new Promise((ok) => proxy.close(ok));
    }
  });

  it('names the first changed chunk of a changed file', async () => {
    const changed = join(dir, 'changed.bin');
    await copyFile(files[0]!, changed);
    const bytes = await readFile(changed);
    bytes[3 * CHUNK + 17]! ^= 0x01;
    await writeFile(changed, bytes);
    const { r, v } = await verify(changed, '--proof', `${files[0]}.anchor.json`);
    expect(r.code).toBe(8);
    expect(v.failure).toMatchObject({ link: 'file', code: 'FILE_MISMATCH', chunk: 3 });
    expect((await cli('verify', changed, '--proof', `${files[0]}.anchor.json`)).out).toMatch(
      /first bad chunk: 3/,
    );
  });

  it('names the link each tampered proof field breaks', async () => {
    const good = await readProof(files[0]!);
    const header = BlockHeader.fromBytes(fromHex(good.block!.header));
    const flip = (hex: string, at = 0) =>
      hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
    const opReturnAt = good.tx.indexOf(`6a24474c4131${good.commitment.hash}`);
    expect(opReturnAt).toBeGreaterThan(0);
    const cases: [string, (p: ProofJson) => void, string, string][] = [
      ['manifest.name', (p) => (p.manifest.name = 'other.bin'), 'commitment', 'COMMITMENT_MISMATCH'],
      ['manifest.size', (p) => (p.manifest.size = (p.manifest.size as number) - 1), 'file', 'FILE_MISMATCH'],
      ['manifest.root', (p) => (p.manifest.root = flip(p.manifest.root as string)), 'file', 'FILE_MISMATCH'],
      ['chunkHashes', (p) => (p.chunkHashes = flip(p.chunkHashes!, 70)), 'chunks', 'CHUNK_HASHES_MISMATCH'],
      [
        'commitment.hash',
        (p) => (p.commitment.hash = flip(p.commitment.hash)),
        'commitment',
        'COMMITMENT_MISMATCH',
      ],
      ['commitment.index', (p) => (p.commitment.index = 1), 'commitment', 'COMMITMENT_MISMATCH'],
      // 4 leaves give index 0 the same path shape as 3 do: only the count bound into the
      // commitment makes this fail.
      ['commitment.count', (p) => (p.commitment.count = 4), 'commitment', 'COMMITMENT_MISMATCH'],
      ['commitment.count', (p) => (p.commitment.count = 2), 'commitment', 'COMMITMENT_MISMATCH'],
      [
        'commitment.path',
        (p) => (p.commitment.path[0] = flip(p.commitment.path[0]!)),
        'commitment',
        'COMMITMENT_MISMATCH',
      ],
      ['tx (its anchor)', (p) => (p.tx = flip(p.tx, opReturnAt + 12)), 'transaction', 'ANCHOR_NOT_IN_TX'],
      ['tx (its locktime)', (p) => (p.tx = flip(p.tx, p.tx.length - 2)), 'block', 'TX_NOT_IN_BLOCK'],
      ['vout', (p) => (p.vout = p.vout === 0 ? 1 : 0), 'transaction', 'ANCHOR_NOT_IN_TX'],
      ['block.txIndex', (p) => (p.block!.txIndex = 0), 'block', 'TX_NOT_IN_BLOCK'],
      ['block.branch', (p) => (p.block!.branch[0] = flip(p.block!.branch[0]!)), 'block', 'TX_NOT_IN_BLOCK'],
      [
        'block.header (merkle root)',
        (p) => (p.block!.header = regrind(header, { merkleRoot: new Uint8Array(32) }, true)),
        'block',
        'TX_NOT_IN_BLOCK',
      ],
      ['block.header (nonce)', (p) => (p.block!.header = regrind(header, {}, false)), 'pow', 'BAD_POW'],
      // Not covered by the header's work offline: only the node's best chain can refute these.
      ['block.height', (p) => (p.block!.height += 1), 'chain', 'HEIGHT_MISMATCH'],
      [
        'block.header (another parent)',
        (p) => (p.block!.header = regrind(header, { prevBlock: new Uint8Array(32).fill(7) }, true)),
        'chain',
        'NOT_IN_BEST_CHAIN',
      ],
    ];
    for (const [field, mutate, link, code] of cases) {
      const p = structuredClone(good);
      mutate(p);
      const file = join(dir, `tampered-${field.replace(/\W+/g, '-')}.json`);
      await writeFile(file, JSON.stringify(p));
      const { r, v } = await verify(files[0]!, '--proof', file);
      expect([field, r.code, v.failure?.link, v.failure?.code]).toEqual([field, 8, link, code]);
    }
    // Format version and network are not links: such a proof is refused as input (exit 1).
    for (const [mutate, msg] of [
      [(p: ProofJson) => (p.version = 2), /proof format 2/],
      [(p: ProofJson) => (p.network = 'main'), /network 'main'/],
    ] as const) {
      const p = structuredClone(good);
      mutate(p);
      const file = join(dir, 'refused.json');
      await writeFile(file, JSON.stringify(p));
      const r = await cli('verify', files[0]!, '--proof', file);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
    }
  });

  it('forgets an anchor whose block a reorg removed, until it is mined again', async () => {
    const proofFile = `${files[1]}.anchor.json`;
    const oldBlock = (await readProof(files[1]!)).block!;
    const tip = node.node.chain.height;
    // A branch from the block before the anchor's, one block longer than ours, without the tx.
    const fork = await startTestNode();
    for (let h = 1; h < anchorHeight; h++) {
      const hash = node.node.chain.entryAt(h)!.hashHex;
      await fork.node.submitBlock((await node.node.chain.getBlock(blockHashFromDisplay(hash)))!);
    }
    const branch = await fork.node.generate(tip - anchorHeight + 2, BURN);
    for (const h of branch)
      await node.node.submitBlock((await fork.node.chain.getBlock(blockHashFromDisplay(h)))!);
    expect(node.node.chain.tip.hashHex).toBe(branch[branch.length - 1]);

    const { r, v } = await verify(files[1]!);
    expect(r.code).toBe(8);
    expect(v.failure).toMatchObject({ link: 'chain', code: 'NOT_IN_BEST_CHAIN' });
    expect(v.failure!.message).toMatch(/not in the node's best chain/);
    // Offline, the old block's work still stands.
    expect((await verify(files[1]!, '--offline')).r.code).toBe(0);
    expect((await fetch(`${node.url}/api/anchors/${commitment}`)).status).toBe(404);

    // The disconnected tx is back in the mempool; the proof is reported as reorged (exit 9).
    const st = await cli('proof', '--update', '--rebroadcast', proofFile, '--json');
    expect(st.code).toBe(9);
    expect(jsonOf<{ state: string }[]>(st)[0]!.state).toBe('reorged');
    expect(await node.rpc<string[]>('getrawmempool')).toEqual([txid]);

    // Mined again: the index finds it at its new height and the proof follows it there.
    await node.node.generate(1, BURN);
    const newHeight = node.node.chain.height;
    const res = await fetch(`${node.url}/api/anchors/${commitment}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ txid, height: newHeight, confirmations: 1 });
    const moved = await cli('proof', '--update', proofFile, '--json');
    expect(moved.code).toBe(0);
    expect(jsonOf<{ state: string; height: number }[]>(moved)[0]).toMatchObject({
      state: 'moved',
      height: newHeight,
    });
    expect((await readProof(files[1]!)).block!.header).not.toBe(oldBlock.header);
    const after = await verify(files[1]!);
    expect(after.r.code).toBe(0);
    expect(after.v).toMatchObject({ ok: true, height: newHeight });
  });
});
