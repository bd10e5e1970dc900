/**
 * The one consequence map (node/p2p/misbehaviour.ts, Core's MaybePunishNodeForBlock /
 * MaybePunishNodeForTx): every error code a peer can cause maps to a consequence, tx policy
 * costs nothing, consensus failures cost 100 and the connection, wire offences keep their
 * scores, an offence wrapping a rejection costs what the rejection costs, and block download
 * no longer punishes a rule whose score is 0 (a block from the future) with 100.
 */
import { describe, expect, it } from 'vitest';
import type { BlockEntry } from '../node/chain/entry.js';
import { RULES, type RuleCode, RuleError } from '../node/consensus/errors.js';
import type { Logger } from '../node/log.js';
import { POLICY_REJECTS, type PolicyCode, TxRejectError } from '../node/mempool/errors.js';
import { BlockSync, DEFAULT_SYNC } from '../node/p2p/block-sync.js';
import { type OffenceCode, P2PError } from '../node/p2p/errors.js';
import { CONSEQUENCES, consequenceOf } from '../node/p2p/misbehaviour.js';
import type { Peer } from '../node/p2p/peer.js';
import type { Block } from '../node/protocol/block.js';

const ruleCodes = Object.keys(RULES) as RuleCode[];
const policyCodes = Object.keys(POLICY_REJECTS) as PolicyCode[];
const offenceCodes = (Object.keys(CONSEQUENCES) as OffenceCode[]).filter(
  (c) => !(c in RULES) && !(c in POLICY_REJECTS),
);

describe('consequenceOf', () => {
  it('maps every rule code; consensus-invalid costs 100 and the connection', () => {
    for (const code of ruleCodes) {
      const c = consequenceOf(new RuleError(code, 'detail'));
      expect(c.reason, code).toBe(RULES[code].reason);
      expect(c.disconnect, code).toBe(c.score > 0);
      const harmless = code === 'TIME_TOO_NEW' || code === 'TX_NON_BIP68_FINAL';
      expect(c.score, code).toBe(harmless ? 0 : 100);
    }
  });

  it('maps every mempool code: policy costs nothing, consensus (TX_CONSENSUS) 100', () => {
    for (const code of policyCodes) {
      const c = consequenceOf(new TxRejectError(code));
      expect(c.score, code).toBe(POLICY_REJECTS[code].consensus ? 100 : 0);
      expect(c.disconnect, code).toBe(POLICY_REJECTS[code].consensus);
      expect(c.reason, code).toBe(POLICY_REJECTS[code].reason);
    }
    const wrapped = TxRejectError.fromRule(new RuleError('TX_IN_BELOW_OUT'));
    expect(wrapped.consensus).toBe(true);
    expect(consequenceOf(wrapped)).toEqual({ score: 100, disconnect: true, reason: 'bad-txns-in-belowout' });
    expect(consequenceOf(TxRejectError.fromRule(new RuleError('TX_SEQUENCE_LOCKS'))).score).toBe(0);
  });

  it('maps every wire offence, each disconnecting, with the scores Core-style peers earn', () => {
    expect(offenceCodes.length).toBe(30);
    for (const code of offenceCodes) {
      const c = consequenceOf(new P2PError(code, 'x'));
      expect(c.disconnect, code).toBe(true);
      expect(new P2PError(code, 'x').score, code).toBe(c.score);
    }
    expect(new P2PError('OVERSIZED_FRAME', 'x').score).toBe(100);
    expect(new P2PError('BAD_CHECKSUM', 'x').score).toBe(50);
    expect(new P2PError('STALLING', 'x').score).toBe(0);
    // Core: Misbehaving(20) for an addr/addrv2 over 1,000; a late sendaddrv2 only disconnects.
    expect(new P2PError('ADDR_OVERSIZE', 'x').score).toBe(20);
    // BIP152 (Core's Misbehaving(100, "invalid compact block") and its siblings).
    expect(new P2PError('INVALID_CMPCT_BLOCK', 'x').score).toBe(100);
    expect(new P2PError('INVALID_BLOCKTXN', 'x').score).toBe(100);
    expect(new P2PError('BAD_GETBLOCKTXN', 'x').score).toBe(100);
    expect(new P2PError('LATE_NEGOTIATION', 'x').score).toBe(0);
    expect(new P2PError('DHT_BAD_SIGNATURE', 'x').score).toBe(100);
    expect(new P2PError('DHT_FLOOD', 'x').score).toBe(20);
    // A file chunk or manifest that fails against an anchored commitment is provably wrong.
    expect(new P2PError('BAD_CHUNK', 'x').score).toBe(100);
    expect(new P2PError('BAD_MANIFEST', 'x').score).toBe(100);
    expect(new P2PError('UNREQUESTED_CHUNK', 'x').score).toBe(10);
  });

  it('an offence wrapping a rejection costs what the rejection costs', () => {
    const future = new P2PError('INVALID_BLOCK', 'x', new RuleError('TIME_TOO_NEW'));
    expect(future.score).toBe(0);
    expect(consequenceOf(future).disconnect).toBe(true);
    expect(new P2PError('INVALID_BLOCK', 'x', new RuleError('BAD_MERKLE_ROOT')).score).toBe(100);
    expect(new P2PError('INVALID_BLOCK', 'x').score).toBe(100);
  });
});

describe('block download punishment', () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
  const header = (hashHex: string, height: number, prev: BlockEntry | null): BlockEntry =>
    ({ hashHex, height, prev, failed: false, chainWork: BigInt(height) }) as unknown as BlockEntry;

  // Marking the header failed is the chain's job now (test/chain-headers.test.ts).
  async function deliver(rejection: RuleError): Promise<{ offences: P2PError[] }> {
    const genesis = header('00', 0, null);
    const tip = header('01', 1, genesis);
    const offences: P2PError[] = [];
    let submitted!: () => void;
    const done = new Promise<void>((r) => {
      submitted = r;
    });
    const peer = {
      ready: true,
      closed: false,
      best: tip,
      offence: (e: P2PError) => offences.push(e),
    } as unknown as Peer;
    const sync = new BlockSync(DEFAULT_SYNC, {
      chain: { bestHeader: () => tip },
      hasData: (e) => e.hashHex === '00',
      submitBlock: async () => {
        submitted();
        throw rejection;
      },
      request: () => undefined,
      peers: () => [peer],
      now: () => 0,
      log: quiet,
    });
    sync.updateTarget();
    sync.schedule(peer);
    expect(sync.isRequested('01')).toBe(true);
    const block = { hashHex: () => '01', size: () => 100 } as unknown as Block;
    expect(sync.onBlock(peer, block)).toBe(true);
    await done;
    await sync.stop();
    return { offences };
  }

  it('does not punish a block rule whose score is 0 (a block from the future)', async () => {
    const { offences } = await deliver(new RuleError('TIME_TOO_NEW', 'too far ahead'));
    expect(offences).toEqual([]);
  });

  it('punishes a consensus-invalid block with its rule behind the offence', async () => {
    const { offences } = await deliver(new RuleError('COINBASE_AMOUNT'));
    expect(offences.map((o) => [o.code, o.score, o.cause?.code])).toEqual([
      ['INVALID_BLOCK', 100, 'COINBASE_AMOUNT'],
    ]);
  });
});
