/**
 * Anchoring benchmarks (issue 7). Manifest of a 1 GiB stream generated in memory (1 MiB
 * pieces, never written to disk) in MB/s, next to one raw node:crypto SHA-256 over the same
 * bytes in the same run (goal: manifest >= 85% of raw), best of three alternating passes, plus
 * the 64 KiB-piece case (fs streams' default read size, so chunks straddle pieces); peak RSS
 * of the process (goal < 100 MB). Then anchoring 1,000 files in one transaction: manifests,
 * one commitment, one OP_RETURN, 1,000 proofs formatted, and all of them parsed and verified;
 * and the same through the real `gossip-wallet anchor` command (wallet/program.ts, in-process)
 * on 1,000 files on disk, against the in-memory Esplora server: files read, wallet unlocked,
 * coins selected, one transaction signed and sent, 1,000 proof files written atomically.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorScript, buildCommitment } from '../node/anchors/commitment.js';
import { digestBytes, ManifestBuilder, makeManifest } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, parseProof, withBlock } from '../node/anchors/proof.js';
import { verifyProofOffline } from '../node/anchors/verify.js';
import { Block } from '../node/protocol/block.js';
import { sha256 } from '../node/protocol/hash.js';
import { BlockHeader } from '../node/protocol/header.js';
import { merkleRoot } from '../node/protocol/merkle.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { RECEIVE } from '../wallet/hd.js';
import { main } from '../wallet/program.js';
import { Wallet } from '../wallet/wallet.js';
import { emit } from './lib.js';
import { FakeEsplora, fakeTxid } from './wallet-esplora.js';

const GIB = 1024 * 1024 * 1024;
const PIECE = 1024 * 1024;
const PASSES = 3;

/** One 1 MiB buffer, rewritten in place: piece i is the base bytes with i in its first word. */
function pieces(): { buf: Uint8Array; each: (fn: (piece: Uint8Array) => void) => void } {
  const buf = new Uint8Array(PIECE);
  const words = new Uint32Array(buf.buffer);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return {
    buf,
    each: (fn) => {
      for (let i = 0; i < GIB / PIECE; i++) {
        words[0] = i;
        fn(buf);
      }
    },
  };
}

function seconds(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function streamFigures(): void {
  const src = pieces();
  let raw = Number.POSITIVE_INFINITY;
  let manifest = Number.POSITIVE_INFINITY;
  let small = Number.POSITIVE_INFINITY;
  let rawHex = '';
  // Best of alternating passes: the machine is shared, and the fastest pass is the least disturbed.
  for (let pass = 0; pass < PASSES; pass++) {
    raw = Math.min(
      raw,
      seconds(() => {
        const h = createHash('sha256');
        src.each((p) => h.update(p));
        rawHex = h.digest('hex');
      }),
    );
    manifest = Math.min(
      manifest,
      seconds(() => {
        const b = new ManifestBuilder();
        src.each((p) => b.update(p));
        b.digest();
      }),
    );
    small = Math.min(
      small,
      seconds(() => {
        const b = new ManifestBuilder({ keepChunkHashes: true });
        src.each((p) => {
          for (let off = 0; off < p.length; off += 65536) b.update(p.subarray(off, off + 65536));
        });
        b.digest();
      }),
    );
  }
  const mb = GIB / 1e6;
  emit('anchors-manifest-1gib', {
    chunkSize: 256 * 1024,
    rawSha256MBps: Math.round(mb / raw),
    manifestMBps: Math.round(mb / manifest),
    ratio: Number((raw / manifest).toFixed(3)),
    manifest64kPiecesMBps: Math.round(mb / small),
    ratio64kPieces: Number((raw / small).toFixed(3)),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rawDigest: rawHex.slice(0, 16),
  });
}

/** A regtest block holding `tx` among `n` other transactions, with valid proof of work. */
function blockWith(tx: Tx, n: number): Block {
  const fillers = Array.from(
    { length: n },
    (_, k) =>
      new Tx({
        version: 2,
        locktime: 0,
        inputs: [
          new TxIn(new OutPoint(sha256(Uint8Array.of(k, k >> 8)), 0), new Uint8Array(0), 0xffffffff, []),
        ],
        outputs: [new TxOut(1000n, Uint8Array.of(0x51))],
      }),
  );
  const txs = [...fillers.slice(0, n >> 1), tx, ...fillers.slice(n >> 1)];
  const root = merkleRoot(txs.map((t) => t.txid())).root;
  for (let nonce = 0; ; nonce++) {
    const header = new BlockHeader({
      version: 0x20000000,
      prevBlock: regtest.genesisHash,
      merkleRoot: root,
      time: regtest.genesis.header.time + 600,
      bits: 0x207fffff,
      nonce,
    });
    if (checkProofOfWork(header.hash(), header.bits, regtest.powLimit)) return new Block(header, txs);
  }
}

function thousandFiles(): void {
  const N = 1000;
  const files = Array.from({ length: N }, (_, i) =>
    sha256(Uint8Array.of(i, i >> 8))
      .subarray(0, 16)
      .map((b) => b ^ i),
  );
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const digests = files.map((f) => digestBytes(f, { keepChunkHashes: true }));
  const manifests = digests.map((d, i) => makeManifest(`file-${i}.txt`, d));
  const tManifests = ms();
  const { commitment, paths } = buildCommitment(manifests.map(manifestId));
  const tx = new Tx({
    version: 2,
    locktime: 0,
    inputs: [new TxIn(new OutPoint(sha256(Uint8Array.of(0xaa)), 0), new Uint8Array(0), 0xfffffffd, [])],
    outputs: [new TxOut(0n, anchorScript(commitment)), new TxOut(90_000n, Uint8Array.of(0x51))],
  });
  const tCommit = ms();
  const block = blockWith(tx, 300);
  const link = blockLinkFromBlock(block, 1, tx.txid())!;
  const t1 = ms();
  const texts = manifests.map((manifest, i) =>
    formatProof(
      withBlock(
        newProof({
          network: 'regtest',
          manifest,
          chunkHashes: digests[i]!.chunkHashes!,
          commitment,
          path: paths[i]!,
          tx,
          vout: 0,
        }),
        link,
      ),
    ),
  );
  const tProofs = ms() - t1;
  const t2 = ms();
  let ok = 0;
  texts.forEach((text, i) => {
    const proof = parseProof(text, regtest);
    if (verifyProofOffline(digests[i]!, proof, regtest).ok) ok++;
  });
  const tVerify = ms() - t2;
  emit('anchors-1000-files', {
    files: N,
    opReturnOutputs: tx.outputs.filter((o) => o.script[0] === 0x6a).length,
    manifestsMs: Number(tManifests.toFixed(1)),
    commitmentMs: Number((tCommit - tManifests).toFixed(1)),
    proofsBuiltMs: Number(tProofs.toFixed(1)),
    totalMs: Number((tCommit + tProofs).toFixed(1)),
    proofBytesEach: texts[0]!.length,
    parseAndVerifyAllMs: Number(tVerify.toFixed(1)),
    verified: ok,
  });
}

const BENCH_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

async function thousandFilesCli(): Promise<void> {
  const N = 1000;
  const dir = await mkdtemp(join(tmpdir(), 'gl-bench-anchors-'));
  const fake = new FakeEsplora();
  await fake.start();
  try {
    const env = { GOSSIP_WALLET_PASSWORD: 'bench', GOSSIP_WALLET_MNEMONIC: BENCH_MNEMONIC };
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      stderrRaw: () => undefined,
      stderrIsTTY: false,
    };
    const walletFile = join(dir, 'wallet.json');
    const restored = await main(
      ['node', 'gossip-wallet', '-n', 'regtest', '-w', walletFile, 'restore', '--scrypt-log-n', '10'],
      io,
      env,
    );
    if (restored !== 0) throw new Error(`restore failed: ${err.join(' ')}`);
    const model = new Wallet(regtest, { mnemonic: BENCH_MNEMONIC, account: 0, imported: [], createdAt: '' });
    fake.fund(model.key(RECEIVE, 0).address, { txid: fakeTxid(1), vout: 0, value: 50_000_000, height: 150 });
    const files: string[] = [];
    for (let i = 0; i < N; i++) {
      const f = join(dir, `file-${i}.txt`);
      await writeFile(f, `file ${i}\n`.repeat(1 + (i % 50)));
      files.push(f);
    }
    out.length = 0;
    const t0 = process.hrtime.bigint();
    const code = await main(
      [
        'node',
        'gossip-wallet',
        '-w',
        walletFile,
        '--node',
        fake.url,
        'anchor',
        ...files,
        '--fee-rate',
        '2',
        '--json',
      ],
      io,
      env,
    );
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (code !== 0) throw new Error(`anchor failed: ${err.join(' ')}`);
    const result = JSON.parse(out.join('\n')) as { vsize: number; fee_sat: number };
    const tx = Tx.fromBytes(new Uint8Array(Buffer.from(fake.posted[0]!, 'hex')));
    const proofs = (await readdir(dir)).filter((n) => n.endsWith('.anchor.json')).length;
    emit('anchors-1000-files-cli', {
      files: N,
      transactionsSent: fake.posted.length,
      opReturnOutputs: tx.outputs.filter((o) => o.script[0] === 0x6a).length,
      proofsWritten: proofs,
      vsize: result.vsize,
      feeSat: result.fee_sat,
      totalMs: Math.round(ms),
      requests: fake.requests,
    });
  } finally {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  streamFigures();
  thousandFiles();
  await thousandFilesCli();
}
