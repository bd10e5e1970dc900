/**
 * Manifest encodings, commitments, the anchor script, and the `.anchor.json` proof: strict
 * parsing with stable codes, and offline verification naming the link each tampered field breaks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANCHOR_TAG,
  anchorScript,
  buildCommitment,
  commitmentFromPath,
  parseAnchorScript,
  verifyCommitmentPath,
} from '../node/anchors/commitment.js';
import { AnchorError } from '../node/anchors/errors.js';
import { digestBytes, type FileDigest, type Manifest, makeManifest } from '../node/anchors/manifest.js';
import {
  decodeManifest,
  encodeManifest,
  manifestFromJson,
  manifestId,
  manifestToJson,
} from '../node/anchors/manifest-codec.js';
import { checkChainLink } from '../node/anchors/online.js';
import {
  type AnchorProof,
  blockLinkFromBlock,
  formatProof,
  newProof,
  parseProof,
  proofToJson,
  withBlock,
} from '../node/anchors/proof.js';
import { hashToHex, rootOf } from '../node/anchors/tree.js';
import { verifyProofOffline } from '../node/anchors/verify.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { main, regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { ANYONE, makeBlock, spend } from './helpers/blocks.js';

const code = (c: string) => expect.objectContaining({ name: 'AnchorError', code: c });

function fileBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 7 + (i >> 8)) & 0xff);
}

describe('manifest encoding', () => {
  const m = makeManifest('report.pdf', digestBytes(fileBytes(5000, 1), { chunkSize: 1024 }));

  it('round-trips canonical bytes and JSON; the id is SHA-256 of the bytes', () => {
    const bytes = encodeManifest(m);
    expect(toHex(bytes.subarray(0, 5))).toBe('474c4d4601');
    expect(bytes.length).toBe(58 + 'report.pdf'.length);
    expect(decodeManifest(bytes)).toEqual(m);
    expect(toHex(manifestId(m))).toBe(toHex(sha256(bytes)));
    const json = JSON.parse(JSON.stringify(manifestToJson(m, { withId: true })));
    expect(json).toMatchObject({
      version: 1,
      name: 'report.pdf',
      size: 5000,
      chunkSize: 1024,
      chunkCount: 5,
    });
    expect(manifestFromJson(json)).toEqual(m);
    expect(() => manifestFromJson({ ...json, id: hashToHex(new Uint8Array(32)) })).toThrow(
      code('MALFORMED_MANIFEST'),
    );
  });

  it('property: any valid manifest round-trips; different manifests have different ids', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 10, max: 26 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (rawName, size, log2, root) => {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters names may not hold
          const name = rawName.replace(/[\u0000-\u001f\u007f-\u009f/]/g, '_');
          fc.pre(new TextEncoder().encode(name).length <= 255);
          const chunkSize = 2 ** log2;
          const mm = makeManifest(name, { size, chunkSize, chunkCount: Math.ceil(size / chunkSize), root });
          expect(decodeManifest(encodeManifest(mm))).toEqual(mm);
          expect(manifestFromJson(JSON.parse(JSON.stringify(manifestToJson(mm))))).toEqual(mm);
          const renamed = { ...mm, name: `${name}x` };
          expect(toHex(manifestId(renamed))).not.toBe(toHex(manifestId(mm)));
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });

  it('rejects every truncation, trailing bytes, and inconsistent fields', () => {
    const bytes = encodeManifest(m);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeManifest(bytes.subarray(0, n)), `cut at ${n}`).toThrow(AnchorError);
    }
    expect(() => decodeManifest(Uint8Array.of(...bytes, 0))).toThrow(code('MALFORMED_MANIFEST'));
    const wrongCount = bytes.slice();
    wrongCount[17]! += 1;
    expect(() => decodeManifest(wrongCount)).toThrow(code('MALFORMED_MANIFEST'));
    const v2 = bytes.slice();
    v2[4] = 2;
    expect(() => decodeManifest(v2)).toThrow(code('UNSUPPORTED_VERSION'));
    const badChunk = bytes.slice();
    badChunk[5] = 1;
    expect(() => decodeManifest(badChunk)).toThrow(code('BAD_CHUNK_SIZE'));
    const json = manifestToJson(m);
    expect(() => manifestFromJson({ ...json, extra: 1 })).toThrow(code('MALFORMED_MANIFEST'));
    expect(() => manifestFromJson({ ...json, size: -1 })).toThrow(code('MALFORMED_MANIFEST'));
    expect(() => manifestFromJson({ ...json, size: '5000' })).toThrow(code('MALFORMED_MANIFEST'));
    expect(() => manifestFromJson({ ...json, root: json.root.toUpperCase() })).toThrow(
      code('MALFORMED_MANIFEST'),
    );
  });

  it('accepts real names and rejects empty, long, pathy, control and broken ones', () => {
    const d = digestBytes(new Uint8Array(3));
    for (const ok of ['a', 'Überweisung 2024.pdf', '日本語.txt', '🙂'.repeat(63), 'x'.repeat(255)]) {
      expect(decodeManifest(encodeManifest(makeManifest(ok, d))).name).toBe(ok);
    }
    for (const bad of ['', 'a/b', 'a\nb', 'nul\u0000', 'x'.repeat(256), '\ud800', 'é'.repeat(128)]) {
      expect(() => makeManifest(bad, d), JSON.stringify(bad)).toThrow(code('BAD_NAME'));
    }
  });
});

describe('commitments and the anchor script', () => {
  it('property: every id leads to the commitment; a wrong id, index or count does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer(), (n, salt) => {
        const ids = Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(i, i >> 8, salt & 0xff)));
        const { commitment, paths } = buildCommitment(ids);
        // One id is its own commitment; more bind their count to the RFC 6962 root.
        const counted = new Uint8Array(37);
        counted[0] = 0x02;
        new DataView(counted.buffer).setUint32(1, n);
        counted.set(rootOf(ids), 5);
        expect(toHex(commitment)).toBe(toHex(n === 1 ? rootOf(ids) : sha256(counted)));
        paths.forEach((p, i) => {
          expect(verifyCommitmentPath(ids[i]!, p, commitment)).toBe(true);
          expect(verifyCommitmentPath(sha256(ids[i]!), p, commitment)).toBe(false);
          if (n > 1) {
            expect(verifyCommitmentPath(ids[i]!, { ...p, index: (i + 1) % n }, commitment)).toBe(false);
            expect(commitmentFromPath(ids[i]!, { ...p, count: 2 * n + 1 })).not.toEqual(commitment);
            // Any other count fails, even one whose tree gives this index the same path shape.
            for (const count of [n - 1, n + 1, n + 2]) {
              if (count > i) expect(verifyCommitmentPath(ids[i]!, { ...p, count }, commitment)).toBe(false);
            }
          }
        });
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it('one id is its own commitment, with an empty path', () => {
    const id = sha256(Uint8Array.of(1));
    const c = buildCommitment([id]);
    expect(toHex(c.commitment)).toBe(toHex(id));
    expect(c.paths).toEqual([{ index: 0, count: 1, path: [] }]);
    expect(() => buildCommitment([])).toThrow(code('NO_IDS'));
  });

  it('builds and parses exactly OP_RETURN <"GLA1" || 32 bytes>', () => {
    const c = sha256(Uint8Array.of(9));
    const s = anchorScript(c);
    expect(toHex(s)).toBe(`6a24${toHex(ANCHOR_TAG)}${toHex(c)}`);
    expect(toHex(parseAnchorScript(s)!)).toBe(toHex(c));
    const pushdata1 = Uint8Array.of(0x6a, 0x4c, 0x24, ...ANCHOR_TAG, ...c);
    const otherTag = s.slice();
    otherTag[5] = 0x32; // "GLA2"
    for (const bad of [pushdata1, otherTag, s.subarray(0, 37), Uint8Array.of(...s, 0x00), s.slice(1)]) {
      expect(parseAnchorScript(bad)).toBeNull();
    }
  });
});

/** Three files anchored in one tx, mined in a block of several txs. */
function scenario() {
  const files = [fileBytes(3000, 1), fileBytes(0, 2), fileBytes(1024, 3)];
  const digests = files.map((f) => digestBytes(f, { chunkSize: 1024, keepChunkHashes: true }));
  const manifests = digests.map((d, i) => makeManifest(`file${i}.bin`, d));
  const { commitment, paths } = buildCommitment(manifests.map(manifestId));
  const filler = (k: number) =>
    spend([new OutPoint(sha256(Uint8Array.of(k)), 0)], [new TxOut(1000n, ANYONE)]);
  const anchorTx = spend(
    [new OutPoint(sha256(Uint8Array.of(0xaa)), 1)],
    [new TxOut(5000n, ANYONE), new TxOut(0n, anchorScript(commitment))],
  );
  const block = makeBlock({
    prev: regtest.genesisHash,
    height: 1,
    time: regtest.genesis.header.time + 600,
    txs: [filler(1), filler(2), anchorTx, filler(3)],
  });
  const proofs = manifests.map((manifest, i) =>
    withBlock(
      newProof({
        network: 'regtest',
        manifest,
        chunkHashes: digests[i]!.chunkHashes!,
        commitment,
        path: paths[i]!,
        tx: anchorTx,
        vout: 1,
      }),
      blockLinkFromBlock(block, 1, anchorTx.txid())!,
    ),
  );
  return { files, digests, manifests, proofs, block, anchorTx };
}

describe('proofs', () => {
  const s = scenario();
  const digestOf = (f: Uint8Array, m: Manifest): FileDigest =>
    digestBytes(f, { chunkSize: m.chunkSize, keepChunkHashes: true });

  it('format -> parse round-trips, and each of three files verifies offline', () => {
    s.proofs.forEach((p, i) => {
      const parsed = parseProof(formatProof(p), regtest);
      expect(proofToJson(parsed)).toEqual(proofToJson(p));
      const r = verifyProofOffline(digestOf(s.files[i]!, parsed.manifest), parsed, regtest);
      expect(r.failure).toBeNull();
      expect(r.ok).toBe(true);
      expect(r.passed).toEqual(['file', 'chunks', 'commitment', 'transaction', 'block', 'pow']);
      expect(r.blockHash).toBe(s.block.hashHex());
      expect(r.height).toBe(1);
      expect(r.txid).toBe(s.anchorTx.txidHex());
    });
    expect(proofToJson(s.proofs[0]!).block?.txIndex).toBe(3);
  });

  it('rejects malformed proofs, other networks and versions with their codes', () => {
    const text = formatProof(s.proofs[0]!);
    const json = JSON.parse(text);
    expect(() => parseProof(text, main)).toThrow(code('WRONG_NETWORK'));
    expect(() => parseProof({ ...json, network: 'testnet' }, regtest)).toThrow(code('WRONG_NETWORK'));
    expect(() => parseProof({ ...json, version: 2 }, regtest)).toThrow(code('UNSUPPORTED_VERSION'));
    const malformed: unknown[] = [
      '',
      '{',
      'null',
      '[]',
      text.slice(0, text.length / 2),
      { ...json, version: '1' },
      { ...json, extra: true },
      { ...json, vout: -1 },
      { ...json, vout: 1.5 },
      { ...json, tx: 'zz' },
      { ...json, tx: `${json.tx}00` },
      { ...json, tx: json.tx.toUpperCase() },
      { ...json, chunkHashes: 'abc' },
      { ...json, commitment: { ...json.commitment, hash: 'ab' } },
      { ...json, commitment: { ...json.commitment, path: 'x' } },
      { ...json, commitment: { ...json.commitment, path: Array(65).fill(json.commitment.hash) } },
      { ...json, block: { ...json.block, header: json.block.header.slice(2) } },
      { ...json, block: { ...json.block, branch: [json.block.branch[0].slice(1)] } },
      { ...json, block: { ...json.block, height: null } },
      (() => {
        const { block: _b, ...rest } = json;
        return rest;
      })(),
    ];
    malformed.forEach((m, i) => {
      expect(() => parseProof(m, regtest), `case ${i}`).toThrow(code('MALFORMED_PROOF'));
    });
    expect(() => parseProof({ ...json, manifest: { ...json.manifest, chunkCount: 9 } }, regtest)).toThrow(
      code('MALFORMED_MANIFEST'),
    );
  });

  it('a pending proof verifies up to the transaction, then reports NOT_CONFIRMED', () => {
    const pending = parseProof(formatProof({ ...s.proofs[1]!, block: null }), regtest);
    const r = verifyProofOffline(digestOf(s.files[1]!, pending.manifest), pending, regtest);
    expect(r.failure).toMatchObject({ link: 'block', code: 'NOT_CONFIRMED' });
    expect(r.passed).toEqual(['file', 'chunks', 'commitment', 'transaction']);
  });

  it('names the link each tampered field breaks', () => {
    const p = s.proofs[0]!;
    const json = proofToJson(p);
    const file = s.files[0]!;
    const flip = (hex: string, at = 0) =>
      hex.slice(0, at) + ((Number.parseInt(hex[at]!, 16) ^ 1).toString(16) + hex.slice(at + 1));
    const header = json.block!.header;
    // A nonce whose header misses regtest's target (half of all hashes do).
    let badNonceHeader = '';
    for (let n = 1; !badNonceHeader; n++) {
      const h = header.slice(0, 152) + n.toString(16).padStart(8, '0');
      const parsed = parseProof({ ...json, block: { ...json.block!, header: h } }, regtest);
      if (!checkProofOfWork(parsed.block!.header.hash(), parsed.block!.header.bits, regtest.powLimit)) {
        badNonceHeader = h;
      }
    }
    const cases: [string, object, string, string][] = [
      [
        'manifest.size',
        { manifest: { ...json.manifest, size: 2049, chunkCount: 3 } },
        'file',
        'FILE_MISMATCH',
      ],
      [
        'manifest.root',
        { manifest: { ...json.manifest, root: flip(json.manifest.root) } },
        'file',
        'FILE_MISMATCH',
      ],
      [
        'manifest.name',
        { manifest: { ...json.manifest, name: 'other.bin' } },
        'commitment',
        'COMMITMENT_MISMATCH',
      ],
      ['chunkHashes', { chunkHashes: flip(json.chunkHashes!, 70) }, 'chunks', 'CHUNK_HASHES_MISMATCH'],
      [
        'commitment.hash',
        { commitment: { ...json.commitment, hash: flip(json.commitment.hash) } },
        'commitment',
        'COMMITMENT_MISMATCH',
      ],
      [
        'commitment.index',
        { commitment: { ...json.commitment, index: 1 } },
        'commitment',
        'COMMITMENT_MISMATCH',
      ],
      [
        'commitment.count',
        { commitment: { ...json.commitment, count: 2 } },
        'commitment',
        'COMMITMENT_MISMATCH',
      ],
      [
        'commitment.path',
        {
          commitment: { ...json.commitment, path: [flip(json.commitment.path[0]!), json.commitment.path[1]] },
        },
        'commitment',
        'COMMITMENT_MISMATCH',
      ],
      ['vout', { vout: 0 }, 'transaction', 'ANCHOR_NOT_IN_TX'],
      ['vout out of range', { vout: 7 }, 'transaction', 'ANCHOR_NOT_IN_TX'],
      [
        'tx (anchor bytes)',
        { tx: json.tx.replace(hashToHex(p.commitment), flip(hashToHex(p.commitment))) },
        'transaction',
        'ANCHOR_NOT_IN_TX',
      ],
      [
        'tx (amount)',
        { tx: json.tx.replace('8813000000000000', '8913000000000000') },
        'block',
        'TX_NOT_IN_BLOCK',
      ],
      ['block.txIndex', { block: { ...json.block!, txIndex: 2 } }, 'block', 'TX_NOT_IN_BLOCK'],
      [
        'block.txIndex beyond branch',
        { block: { ...json.block!, txIndex: 3 + 2 ** json.block!.branch.length } },
        'block',
        'TX_NOT_IN_BLOCK',
      ],
      [
        'block.branch',
        { block: { ...json.block!, branch: [flip(json.block!.branch[0]!), ...json.block!.branch.slice(1)] } },
        'block',
        'TX_NOT_IN_BLOCK',
      ],
      [
        'block.header merkle root',
        { block: { ...json.block!, header: flip(header, 80) } },
        'block',
        'TX_NOT_IN_BLOCK',
      ],
      ['block.header nonce', { block: { ...json.block!, header: badNonceHeader } }, 'pow', 'BAD_POW'],
    ];
    for (const [name, patch, link, want] of cases) {
      const tampered = parseProof({ ...json, ...patch }, regtest);
      const r = verifyProofOffline(digestOf(file, tampered.manifest), tampered, regtest);
      expect(r.ok, name).toBe(false);
      expect(r.failure, name).toMatchObject({ link, code: want });
    }
  });

  it('names the first bad chunk of a changed file', () => {
    const p = s.proofs[0]!;
    const changed = s.files[0]!.slice();
    changed[2500]! ^= 0x10;
    const r = verifyProofOffline(digestOf(changed, p.manifest), p, regtest);
    expect(r.failure).toMatchObject({ link: 'file', code: 'FILE_MISMATCH', chunk: 2 });
    // Without chunk hashes in the proof, the mismatch is still found, only not located.
    const bare: AnchorProof = { ...p, chunkHashes: null };
    const r2 = verifyProofOffline(digestOf(changed, p.manifest), bare, regtest);
    expect(r2.failure).toMatchObject({ link: 'file', code: 'FILE_MISMATCH' });
    expect(r2.failure!.chunk).toBeUndefined();
    expect(() => verifyProofOffline(digestBytes(s.files[0]!, { chunkSize: 2048 }), p, regtest)).toThrow(
      code('MISMATCH'),
    );
  });

  it('judges the online link from what the node reports', () => {
    const p = s.proofs[2]!;
    const off = verifyProofOffline(digestOf(s.files[2]!, p.manifest), p, regtest);
    expect(checkChainLink(off, { inBestChain: true, height: 1, tipHeight: 6 }, 6)).toEqual({
      ok: true,
      failure: null,
      confirmations: 6,
    });
    expect(checkChainLink(off, { inBestChain: true, height: 1, tipHeight: 6 }, 7).failure?.code).toBe(
      'TOO_FEW_CONFIRMATIONS',
    );
    expect(checkChainLink(off, { inBestChain: false, height: null, tipHeight: 6 }, 1).failure?.code).toBe(
      'NOT_IN_BEST_CHAIN',
    );
    expect(checkChainLink(off, { inBestChain: true, height: 2, tipHeight: 6 }, 1).failure?.code).toBe(
      'HEIGHT_MISMATCH',
    );
    const pending = verifyProofOffline(digestOf(s.files[2]!, p.manifest), { ...p, block: null }, regtest);
    expect(() => checkChainLink(pending, { inBestChain: true, height: 1, tipHeight: 1 }, 1)).toThrow(
      RangeError,
    );
  });
});
