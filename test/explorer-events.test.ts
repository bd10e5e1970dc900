/**
 * The explorer's push stream, GET /api/v1/events (issue 20), against an in-process regtest
 * node: a connected client gets `hello` then each new block as it connects; a stream watching an
 * address hears of a tx paying it when it enters the mempool and again when it confirms, and
 * other streams do not; anchors and mempool summaries are pushed; bad input is a 400 JSON error
 * before any stream opens; the number of streams is bounded (503), idle streams get heartbeats,
 * a client that goes away is forgotten, and closing the server ends the open streams.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExplorerApp } from '../explorer-api/index.js';
import { anchorScript } from '../node/anchors/commitment.js';
import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { main, regtest } from '../node/protocol/params.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { waitFor } from './helpers/p2p.js';
import { openSse, type SseStream } from './helpers/sse.js';

const MINER = testKey('events miner');
const PAYEE = testKey('events payee');
const PAYEE_ADDR = encodeAddress(PAYEE.p2wpkh, regtest.address)!;
const SUBSIDY = 5_000_000_000n;

interface BlockMsg {
  id: string;
  height: number;
  tx_count: number;
}
interface AddressTxMsg {
  txid: string;
  addresses: string[];
  status: { confirmed: boolean; block_height?: number };
}

let t: TestNode;
const streams: SseStream[] = [];
async function open(path: string, base?: string): Promise<SseStream> {
  const s = await openSse(`${base ?? t.url}/api/v1/events${path}`);
  streams.push(s);
  return s;
}

beforeAll(async () => {
  t = await startTestNode({ p2p: false });
  await t.node.generate(101, MINER.p2wpkh);
});

afterAll(async () => {
  for (const s of streams) s.close();
  await stopTestNodes();
});

describe('GET /api/v1/events', () => {
  it('says hello with the tip, then delivers a new block as it connects', async () => {
    const s = await open('');
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.headers.get('cache-control')).toContain('no-cache');
    expect(s.headers.get('access-control-allow-origin')).toBe('*');
    const hello = await s.next<{ tip: { height: number; id: string }; mempool: { count: number } }>('hello');
    expect(hello.tip).toMatchObject({ height: 101, id: t.node.chain.tip.hashHex });
    expect(hello.mempool.count).toBe(0);
    const [hash] = await t.node.generate(1, MINER.p2wpkh);
    const block = await s.next<BlockMsg>('block', (b) => b.height === 102);
    expect(block).toMatchObject({ id: hash, height: 102, tx_count: 1 });
    s.close();
  });

  it('pushes watched-address txs (mempool, then confirmed), mempool summaries and anchors', async () => {
    const watching = await open(`?address=${PAYEE_ADDR}`);
    const other = await open('');
    await watching.next('hello');
    await other.next('hello');
    const cb = (await t.node.chain.getBlock(t.node.chain.entryAt(1)!.hash))!.txs[0]!;
    const commitment = sha256(new TextEncoder().encode('events test file'));
    const fee = 10_000n;
    const tx = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER }],
      [
        payTo(PAYEE, 100_000_000n),
        new TxOut(0n, anchorScript(commitment)),
        payTo(MINER, SUBSIDY - 100_000_000n - fee),
      ],
    );
    await t.node.submitTx(tx);
    const seen = await watching.next<AddressTxMsg>('address-tx', (m) => m.txid === tx.txidHex());
    expect(seen).toEqual({ txid: tx.txidHex(), addresses: [PAYEE_ADDR], status: { confirmed: false } });
    expect((await other.next<{ count: number }>('mempool', (m) => m.count === 1)).count).toBe(1);

    const [hash] = await t.node.generate(1, MINER.p2wpkh);
    const confirmed = await watching.next<AddressTxMsg>('address-tx', (m) => m.status.confirmed);
    expect(confirmed).toMatchObject({
      txid: tx.txidHex(),
      addresses: [PAYEE_ADDR],
      status: { confirmed: true, block_height: 103 },
    });
    expect(await other.next('anchor')).toEqual({
      id: toHex(commitment),
      txid: tx.txidHex(),
      vout: 1,
      block_hash: hash,
      height: 103,
    });
    await other.next<BlockMsg>('block', (b) => b.height === 103);
    await other.next<{ count: number }>('mempool', (m) => m.count === 0);
    // The stream that watches nothing heard of blocks, never of the address.
    expect(other.messages.filter((m) => m.event === 'address-tx')).toEqual([]);
  });

  it('refuses bad addresses with a 400 JSON error, before any stream opens', async () => {
    const mainAddr = encodeAddress(PAYEE.p2wpkh, main.address)!;
    const many = Array.from({ length: 21 }, () => PAYEE_ADDR).join(',');
    for (const [query, code] of [
      ['notanaddress', 'BAD_ADDRESS'],
      [mainAddr, 'BAD_ADDRESS'],
      [`${PAYEE_ADDR},`, 'BAD_ADDRESS'],
      [many, 'TOO_MANY_ENTRIES'],
      ['x'.repeat(5000), 'BAD_REQUEST'],
    ]) {
      const res = await fetch(`${t.url}/api/v1/events?address=${encodeURIComponent(query!)}`, {
        signal: AbortSignal.timeout(30_000),
      });
      expect(res.status, query!.slice(0, 40)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    const op = doc.paths['/api/v1/events']?.get;
    expect(op).toBeDefined();
    expect(Object.keys(op!.responses['200']!.content ?? {})).toContain('text/event-stream');
  });
});

describe('stream bounds and lifetime', () => {
  it('bounds the streams, sends heartbeats, forgets clients that leave and ends streams on close', async () => {
    const { app, eventStreams } = buildExplorerApp(t.node, { eventStreams: 1, heartbeatMs: 100 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      const first = await open('', base);
      await first.next('hello');
      await waitFor('a heartbeat comment', () => first.comments.includes('heartbeat'));
      const refused = await fetch(`${base}/api/v1/events`, { signal: AbortSignal.timeout(30_000) });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect(await refused.json()).toMatchObject({ code: 'TOO_MANY_STREAMS' });

      // The client vanishes: its slot is freed.
      first.close();
      await waitFor('the closed stream to be forgotten', () => eventStreams() === 0);
      const second = await open('', base);
      expect(second.status).toBe(200);
      await second.next('hello');
      expect(eventStreams()).toBe(1);

      // Closing the server ends the open stream rather than waiting for its client.
      await app.close();
      await second.ended;
      expect(eventStreams()).toBe(0);
    } finally {
      await app.close();
    }
  });
});
