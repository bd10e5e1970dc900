/**
 * Package acceptance (node/mempool/package.ts) through Core 28's `submitpackage` RPC and the
 * explorer's `POST /api/txs/package`: a parent below the minimum relay fee is refused alone and
 * accepted with a child paying for both (Core's child-with-unconfirmed-parents); a child paying
 * too little for both leaves the mempool unchanged; malformed packages get Core's reasons and
 * codes (size -8, decoding -22, topology -25, duplicates and conflicts as package_msg).
 * One node, in process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_TOPOLOGY_MESSAGE } from '../node/api.js';
import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import type { Tx } from '../node/protocol/tx.js';
import { outpointOf, payTo, signedSpend, testKey } from './helpers/keys.js';
import { rpcError, startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';

const MINER = testKey('package miner');
const ALICE = testKey('package alice');
const SUBSIDY = 5_000_000_000n;

let t: TestNode;
let next = 1;
/** The coinbase of the next unused mature block. */
async function coinbase(): Promise<Tx> {
  const e = t.node.chain.entryAt(next++)!;
  return (await t.node.chain.getBlock(e.hash))!.txs[0]!;
}

/** A parent paying `parentFee` from a coinbase, and a child paying `childFee` from it. */
async function pair(parentFee: bigint, childFee: bigint): Promise<{ parent: Tx; child: Tx }> {
  const cb = await coinbase();
  const parent = signedSpend(
    [{ prevout: outpointOf(cb, 0), value: SUBSIDY, key: MINER }],
    [payTo(ALICE, SUBSIDY - parentFee)],
  );
  const child = signedSpend(
    [{ prevout: outpointOf(parent, 0), value: SUBSIDY - parentFee, key: ALICE }],
    [payTo(MINER, SUBSIDY - parentFee - childFee)],
  );
  return { parent, child };
}

/** Core's submitpackage result, the fields read here (submit-package.ts has the optional ones). */
interface Pkg {
  package_msg: string;
  'tx-results': Record<
    string,
    {
      txid: string;
      vsize: number;
      error?: string;
      fees: { base: number; 'effective-feerate': number; 'effective-includes': string[] };
    }
  >;
  'replaced-transactions': string[];
}

const hex = (tx: Tx) => toHex(tx.toBytes());
const inPool = (tx: Tx) => t.node.mempool.has(tx.txid());

beforeAll(async () => {
  t = await startTestNode({ p2p: false });
  await t.rpc('generatetoaddress', [110, encodeAddress(MINER.p2wpkh, regtest.address)!]);
});
afterAll(stopTestNodes);

describe('submitpackage', () => {
  it('a zero-fee parent is refused alone and accepted with a child paying for both', async () => {
    const { parent, child } = await pair(0n, 20_000n);
    const alone = await rpcError(t.rpc('sendrawtransaction', [hex(parent)]));
    expect(alone.code).toBe(-26);
    expect(alone.message).toMatch(/min relay fee not met/);

    const r = await t.rpc<Pkg>('submitpackage', [[hex(parent), hex(child)]]);
    expect(r.package_msg).toBe('success');
    expect(r['replaced-transactions']).toEqual([]);
    const includes = [parent.wtxidHex(), child.wtxidHex()];
    const p = r['tx-results'][parent.wtxidHex()]!;
    const c = r['tx-results'][child.wtxidHex()]!;
    expect(p).toMatchObject({ txid: parent.txidHex(), fees: { base: 0, 'effective-includes': includes } });
    expect(c).toMatchObject({
      txid: child.txidHex(),
      fees: { base: 0.0002, 'effective-includes': includes },
    });
    // One rate for both: the package's, 20,000 sat over both vsizes, in coin/kvB.
    const rate = Math.floor((20_000 * 1000) / (p.vsize + c.vsize)) / 1e8;
    expect(p.fees['effective-feerate']).toBeCloseTo(rate, 10);
    expect(c.fees['effective-feerate']).toBeCloseTo(rate, 10);
    expect(inPool(parent) && inPool(child)).toBe(true);

    // Again: both already in the mempool, no effective rate (Core cannot tell how they entered).
    const again = await t.rpc<Pkg>('submitpackage', [[hex(parent), hex(child)]]);
    expect(again.package_msg).toBe('success');
    expect(again['tx-results'][parent.wtxidHex()]!.fees).toEqual({ base: 0 });
  });

  it('a child paying too little for both: refused, nothing enters', async () => {
    const { parent, child } = await pair(0n, 150n);
    const r = await t.rpc<Pkg>('submitpackage', [[hex(parent), hex(child)]]);
    expect(r.package_msg).toBe('transaction failed');
    for (const tx of [parent, child])
      expect(r['tx-results'][tx.wtxidHex()]!.error).toMatch(/^package-fee-too-low/);
    expect(inPool(parent) || inPool(child)).toBe(false);
  });

  it('a parent paying for itself enters alone; a bad child fails the package', async () => {
    const { parent } = await pair(1_000n, 0n);
    // The child spends more than the parent's output: consensus-invalid.
    const bad = signedSpend(
      [{ prevout: outpointOf(parent, 0), value: SUBSIDY - 1_000n, key: ALICE }],
      [payTo(MINER, SUBSIDY)],
    );
    const r = await t.rpc<Pkg>('submitpackage', [[hex(parent), hex(bad)]]);
    expect(r.package_msg).toBe('transaction failed');
    expect(r['tx-results'][parent.wtxidHex()]!.fees['effective-includes']).toEqual([parent.wtxidHex()]);
    expect(r['tx-results'][bad.wtxidHex()]!.error).toMatch(/bad-txns-in-belowout/);
    expect(inPool(parent)).toBe(true);
  });

  it("malformed packages get Core's codes and reasons", async () => {
    const a = await pair(0n, 20_000n);
    const b = await pair(0n, 20_000n);
    const code = async (params: unknown[]) => {
      const e = await rpcError(t.rpc('submitpackage', params));
      return [e.code, e.message.replace(/^RPC error -?\d+: /, '')];
    };
    // Not child-with-parents: unsorted, unrelated, or a grandparent chain.
    expect(await code([[hex(a.child), hex(a.parent)]])).toEqual([-25, PACKAGE_TOPOLOGY_MESSAGE]);
    expect(await code([[hex(a.parent), hex(b.parent)]])).toEqual([-25, PACKAGE_TOPOLOGY_MESSAGE]);
    const grandchild = signedSpend(
      [{ prevout: outpointOf(a.child, 0), value: SUBSIDY - 20_000n, key: MINER }],
      [payTo(ALICE, SUBSIDY - 40_000n)],
    );
    expect(await code([[hex(a.parent), hex(a.child), hex(grandchild)]])).toEqual([
      -25,
      PACKAGE_TOPOLOGY_MESSAGE,
    ]);
    // Too many, none, not an array, not hex.
    const many = Array.from({ length: 26 }, () => hex(a.parent));
    expect(await code([many])).toEqual([-8, 'Array must contain between 1 and 25 transactions.']);
    expect((await code([[]]))[0]).toBe(-8);
    expect((await code(['00']))[0]).toBe(-3);
    expect(await code([[hex(a.parent), 'zz']])).toEqual([
      -22,
      expect.stringMatching(/^TX decode failed.*for tx 1$/),
    ]);
    // Duplicates and conflicts pass the topology check; Core names them in package_msg.
    const dup = await t.rpc<Pkg>('submitpackage', [[hex(a.parent), hex(a.parent), hex(a.child)]]);
    expect(dup.package_msg).toBe('package-contains-duplicates');
    // Two parents spending one coin, and a child of both.
    const cb = await coinbase();
    const [p1, p2] = [1_000n, 2_000n].map((fee) =>
      signedSpend(
        [{ prevout: outpointOf(cb, 0), value: SUBSIDY, key: MINER }],
        [payTo(ALICE, SUBSIDY - fee)],
      ),
    ) as [Tx, Tx];
    const both = signedSpend(
      [
        { prevout: outpointOf(p1, 0), value: SUBSIDY - 1_000n, key: ALICE },
        { prevout: outpointOf(p2, 0), value: SUBSIDY - 2_000n, key: ALICE },
      ],
      [payTo(MINER, SUBSIDY)],
    );
    const conflict = await t.rpc<Pkg>('submitpackage', [[hex(p1), hex(p2), hex(both)]]);
    expect(conflict.package_msg).toBe('conflict-in-package');
    expect(conflict['tx-results'][p1.wtxidHex()]!).toEqual({
      txid: p1.txidHex(),
      error: 'package-not-validated',
    });
    expect(inPool(p1)).toBe(false);
    expect(inPool(a.parent)).toBe(false);
  });
});

describe('POST /api/txs/package', () => {
  const post = (body: string) =>
    fetch(`${t.url}/api/txs/package`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });

  it("answers Core's submitpackage result", async () => {
    const { parent, child } = await pair(0n, 20_000n);
    const res = await post(JSON.stringify([hex(parent), hex(child)]));
    expect(res.status).toBe(200);
    const r = (await res.json()) as Pkg;
    expect(r.package_msg).toBe('success');
    expect(Object.keys(r['tx-results']).sort()).toEqual([parent.wtxidHex(), child.wtxidHex()].sort());
    const status = await fetch(`${t.url}/api/tx/${parent.txidHex()}/status`);
    expect(await status.json()).toEqual({ confirmed: false });
  });

  it('bad bodies are 400 BAD_PACKAGE naming Core’s code, never a 500', async () => {
    const { parent, child } = await pair(0n, 20_000n);
    const cases: [string, RegExp][] = [
      ['not json', /JSON array/],
      ['{"a":1}', /JSON array/],
      ['[1,2]', /JSON array/],
      ['[]', /"code":-8/],
      [JSON.stringify([hex(child), hex(parent)]), /"code":-25/],
      [JSON.stringify([hex(parent), 'zz']), /"code":-22/],
    ];
    for (const [body, want] of cases) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      const j = (await res.json()) as { error: string; code: string };
      expect(j.code).toBe('BAD_PACKAGE');
      expect(j.error).toMatch(want);
    }
  });
});
