/**
 * The wallet steps, each done with the real gossip-wallet CLI against a different node, so that
 * what one node is told must reach the others by gossip: alice is funded by node 1's mining and
 * seen through node 3, pays bob through node 2, the payment must confirm on all three nodes,
 * a file anchored through node 3 is verified through node 1, then shared by node 1 and fetched
 * by node 3 over the P2P layer.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../../wallet/errors.js';
import { client, type Devnet, type Step, type WalletInfo } from './context.js';
import { DevnetError } from './errors.js';
import { shareAndFetch } from './files.js';
import { Miner } from './miner.js';
import { NETWORK_STEPS, waitSynced } from './network.js';
import { shown } from './paths.js';
import { poll } from './wait.js';
import { describeBalance, failure, parseJson } from './wallet.js';

/** Coinbase maturity is 100, so block 1's reward is spendable at height 101. */
const FUNDING_BLOCKS = 101;
const PAYMENT = '1.5';
const PAYMENT_SAT = 150_000_000;
const SYNC_TIMEOUT_MS = 30_000;
const CONFIRM_TIMEOUT_MS = 60_000;

const nodeOf = (d: Devnet, i: number) => ({ index: i, url: client(d, i).url });

async function createWallets(d: Devnet): Promise<string[]> {
  const make = async (name: string): Promise<WalletInfo> => {
    const file = join(d.dir, `${name}.wallet`);
    return { name, file, address: await d.wallet.create(file) };
  };
  d.alice = await make('alice');
  d.bob = await make('bob');
  return [d.alice, d.bob].map((w) => `${w.name}: ${w.address}  (${shown(w.file)})`);
}

async function fund(d: Devnet): Promise<string[]> {
  const alice = d.alice!;
  const hashes = await client(d, 1).generate(FUNDING_BLOCKS, alice.address);
  const tip = hashes[hashes.length - 1]!;
  await waitSynced(d, FUNDING_BLOCKS, tip, SYNC_TIMEOUT_MS);
  const b = await d.wallet.balance(alice.file, nodeOf(d, 3));
  if (b.trusted_sat <= 0) throw new DevnetError('WALLET_FAILED', `node 3 shows alice no spendable coins`, 3);
  d.miner = new Miner(client(d, 1), alice.address, d.blockIntervalMs, {
    onBlock: (blk) => {
      if (blk.txs > 0) d.out.info(`  block ${blk.height} mined on node 1 with ${blk.txs} transaction(s)`);
    },
    onError: (e) => d.fail(e),
  });
  d.miner.start();
  return [
    `node 1 mined ${FUNDING_BLOCKS} blocks to alice; nodes 2 and 3 synced to height ${FUNDING_BLOCKS}`,
    `alice's balance seen through node 3: ${describeBalance(b)} (one coinbase mature, 100 younger)`,
    `node 1 now mines a block every ${d.blockIntervalMs / 1000} s`,
  ];
}

async function pay(d: Devnet): Promise<string[]> {
  const r = await d.wallet.send(d.alice!.file, nodeOf(d, 2), d.bob!.address, PAYMENT);
  d.paymentTxid = r.txid;
  return [`txid ${r.txid} (fee ${r.fee}), sent through node 2`];
}

async function confirmPayment(d: Devnet): Promise<string[]> {
  const txid = d.paymentTxid!;
  const where = await poll(
    async (progress) => {
      const all = await Promise.all(d.clients.map((c) => c.txStatus(txid)));
      progress(
        all
          .map(
            (s, i) => `node ${i + 1}: ${s === undefined ? 'unknown' : s.confirmed ? 'confirmed' : 'mempool'}`,
          )
          .join(', '),
      );
      const first = all[0];
      const same = all.every((s) => s?.confirmed === true && s.block_hash === first?.block_hash);
      return same ? first : undefined;
    },
    { what: 'confirmation on all 3 nodes', timeoutMs: CONFIRM_TIMEOUT_MS, intervalMs: 250, signal: d.signal },
  );
  const bob = await d.wallet.balance(d.bob!.file, nodeOf(d, 1));
  if (bob.trusted_sat !== PAYMENT_SAT) {
    throw new DevnetError('WALLET_FAILED', `bob's trusted balance is ${bob.trusted}, not ${PAYMENT}`, 1);
  }
  return [
    `in block ${where?.block_hash} at height ${where?.block_height} on nodes 1, 2 and 3`,
    `bob's balance seen through node 1: ${describeBalance(bob)}`,
  ];
}

async function anchorFile(d: Devnet): Promise<string[]> {
  const file = join(d.dir, 'hello-devnet.txt');
  await writeFile(file, `anchored by gossip-ledger devnet at ${new Date().toISOString()}\n`);
  const r = await d.wallet.anchor(d.alice!.file, nodeOf(d, 3), file);
  d.anchorFile = file;
  d.anchorProof = r.files[0]?.proof;
  d.anchorId = r.commitment;
  if (!d.anchorProof) throw new DevnetError('WALLET_FAILED', 'anchor wrote no proof', 3);
  return [
    `${shown(file)}: commitment ${r.commitment}`,
    `txid ${r.txid}, sent by alice through node 3; proof ${shown(d.anchorProof)}`,
  ];
}

interface VerifyReport {
  ok?: boolean;
  block_hash?: string;
  height?: number;
  confirmations?: number;
  passed?: string[];
  failure?: { link: string; code: string; message: string } | null;
}

function tryJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

async function verifyAnchor(d: Devnet): Promise<string[]> {
  const node1 = client(d, 1).url;
  // `proof --update` writes the block link into the proof once node 1 has the tx in a block.
  await poll(
    async (progress) => {
      const r = await d.wallet.run(['--node', node1, 'proof', '--update', d.anchorProof!]);
      if (r.code === 0) return true;
      if (r.code !== EXIT.PENDING) throw failure('proof --update', r, 1);
      progress('the anchor transaction is not in a block of node 1 yet');
      return undefined;
    },
    {
      what: 'confirmed anchor on node 1',
      timeoutMs: CONFIRM_TIMEOUT_MS,
      intervalMs: 500,
      signal: d.signal,
      node: 1,
    },
  );
  const r = await d.wallet.run(['--node', node1, 'verify', d.anchorFile!]);
  if (r.code !== 0) {
    // The report names the failing link; without one (node unreachable...) the error line does.
    const f = tryJson<VerifyReport>(r.out)?.failure;
    if (f)
      throw new DevnetError('WALLET_FAILED', `verify failed at '${f.link}' (${f.code}): ${f.message}`, 1);
    throw failure('verify', r, 1);
  }
  const v = parseJson<VerifyReport>('verify', r, 1);
  if (v.ok !== true) throw failure('verify', r, 1);
  return [
    `verified through node 1: block ${v.block_hash} at height ${v.height}, ${v.confirmations} confirmation(s)`,
    `links checked: ${v.passed?.join(', ')}`,
  ];
}

export const STEPS: Step[] = [
  ...NETWORK_STEPS,
  { title: 'wallets alice and bob created', run: createWallets },
  { title: 'alice funded', node: 1, run: fund },
  { title: `alice paid bob ${PAYMENT}`, node: 2, run: pay },
  { title: 'payment confirmed on all 3 nodes', node: 1, run: confirmPayment },
  { title: 'file anchored', node: 3, run: anchorFile },
  { title: 'anchor confirmed and verified', node: 1, run: verifyAnchor },
  { title: 'file shared by node 1, fetched on node 3', node: 3, run: shareAndFetch },
];
