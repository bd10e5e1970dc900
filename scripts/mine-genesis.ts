/**
 * Mines main's genesis block: builds it with the one builder in node/protocol/genesis.ts, then
 * tries nonces from 0 up (double SHA-256 via node:crypto over the 80-byte header) until the hash,
 * read as a little-endian integer, is at or below the target of `bits`. Prints one JSON line;
 * the nonce and hash go into MAIN_GENESIS_SPEC / MAIN_GENESIS_HASH by hand.
 *
 *   npx tsc -p tsconfig.build.json && node dist/scripts/mine-genesis.js
 */
import { createHash } from 'node:crypto';
import { createGenesisBlock, MAIN_GENESIS_SPEC } from '../node/protocol/genesis.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { decodeCompact, hashToBigInt } from '../node/protocol/pow.js';

const spec = { ...MAIN_GENESIS_SPEC, nonce: 0 };
const block = createGenesisBlock(spec);
const header = Uint8Array.from(block.header.toBytes());
const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
const { target } = decodeCompact(spec.bits);

const started = Date.now();
let found = -1;
let hash = new Uint8Array(32);
for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
  view.setUint32(76, nonce, true);
  hash = createHash('sha256').update(createHash('sha256').update(header).digest()).digest();
  if (hashToBigInt(hash) <= target) {
    found = nonce;
    break;
  }
}
if (found < 0) {
  console.error('no nonce found; change the time or message');
  process.exit(1);
}

const mined = createGenesisBlock({ ...spec, nonce: found });
console.log(
  JSON.stringify({
    nonce: found,
    hash: hashToDisplay(hash),
    rebuiltHash: mined.hashHex(),
    merkleRoot: hashToDisplay(mined.header.merkleRoot),
    time: spec.time,
    bits: `0x${spec.bits.toString(16).padStart(8, '0')}`,
    seconds: (Date.now() - started) / 1000,
  }),
);
