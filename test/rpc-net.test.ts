/**
 * Core's net RPCs (setban, listbanned, clearbanned, addnode, getnetworkinfo, getpeerinfo) over
 * the node's narrow NodeNetwork view (node/api.ts), with a fake network in its place: what each
 * call asks of the P2P layer, and Core's -31 when the P2P layer is off. Real nodes exercise the
 * same methods in p2p-hostile and p2p-partition.
 */
import { describe, expect, it } from 'vitest';
import {
  type BanRecord,
  type ChainReader,
  type MempoolReader,
  type NodeNetwork,
  P2PConfigError,
  type RpcNode,
} from '../node/api.js';
import { regtest } from '../node/protocol/params.js';
import { RpcError } from '../node/rpc/errors.js';
import { buildMethods } from '../node/rpc/methods.js';

function rpcNode(network: NodeNetwork | undefined): RpcNode {
  return {
    params: regtest,
    // The net RPCs never read the chain or the mempool.
    chain: {} as ChainReader,
    mempool: {} as MempoolReader,
    network,
    p2pEnabled: network !== undefined,
    maxFeeRate: undefined,
    submitTx: () => Promise.reject(new Error('not used')),
    broadcastTx: () => Promise.reject(new Error('not used')),
    sync: () => {
      throw new Error('not used');
    },
    generate: () => Promise.reject(new Error('not used')),
    onStopRequest: () => undefined,
  };
}

/** A network that records what it is asked, with a ban list in a map. */
function fakeNetwork() {
  const bans = new Map<string, BanRecord>();
  const calls: string[] = [];
  const net: NodeNetwork = {
    userAgent: '/fake:1/',
    nodeId: '00000000000000ab',
    listenPort: 18444,
    now: () => Date.now(),
    peerInfo: () => [],
    totals: () => ({
      bytesSent: 1,
      bytesReceived: 2,
      messagesReceived: {},
      bytesSentPerMsg: {},
      bytesReceivedPerMsg: {},
      txBodiesReceived: 0,
    }),
    addNode: (target, command) => {
      calls.push(`addNode ${target} ${command}`);
      if (target === 'bad') throw new P2PConfigError('BAD_ADDRESS', 'bad address: bad');
      return command !== 'remove';
    },
    listBanned: () => [...bans.values()],
    isBanned: (host) => bans.has(host),
    ban: (host, seconds, reason, untilMs) => {
      calls.push(`ban ${host} ${seconds} ${untilMs ?? '-'}`);
      bans.set(host, { host, created: 1_000_000, until: untilMs ?? 1_000_000 + seconds * 1000, reason });
    },
    unban: (host) => bans.delete(host),
    clearBanned: () => {
      calls.push('clearBanned');
      bans.clear();
    },
  };
  return { net, bans, calls };
}

/** The RpcError code of a call (handlers throw synchronously or reject). */
async function codeOf(call: () => unknown): Promise<number> {
  try {
    await call();
  } catch (e) {
    if (e instanceof RpcError) return e.code;
    throw e;
  }
  throw new Error('no error');
}

describe('net RPCs over NodeNetwork', () => {
  it('setban, listbanned and clearbanned go through the ban operations', async () => {
    const { net, bans, calls } = fakeNetwork();
    const m = buildMethods(rpcNode(net));
    expect(await m.setban!(['192.0.2.7', 'add', 3600])).toBeNull();
    expect(calls).toEqual(['ban 192.0.2.7 3600 -']);
    expect(await codeOf(() => m.setban!(['192.0.2.7/32', 'add']))).toBe(-23);
    const listed = (await m.listbanned!([])) as { address: string; reason: string }[];
    expect(listed.map((b) => [b.address, b.reason])).toEqual([['192.0.2.7/32', 'manually added']]);
    expect(await m.setban!(['192.0.2.7', 'remove'])).toBeNull();
    expect(bans.size).toBe(0);
    expect(await codeOf(() => m.setban!(['192.0.2.7', 'remove']))).toBe(-30);
    expect(await codeOf(() => m.setban!(['192.0.2.0/24', 'add']))).toBe(-30);
    await m.setban!(['2001:db8::1', 'add']);
    expect(await m.clearbanned!([])).toBeNull();
    expect(calls.slice(-2)).toEqual(['ban 2001:db8::1 86400 -', 'clearBanned']);
    expect(bans.size).toBe(0);
  });

  it('addnode maps the outcome to Core codes, a bad target to -8', async () => {
    const { net } = fakeNetwork();
    const m = buildMethods(rpcNode(net));
    expect(await m.addnode!(['127.0.0.1:1', 'add'])).toBeNull();
    expect(await codeOf(() => m.addnode!(['127.0.0.1:1', 'remove']))).toBe(-24);
    expect(await codeOf(() => m.addnode!(['bad', 'add']))).toBe(-8);
  });

  it('getnetworkinfo reads the network view', async () => {
    const m = buildMethods(rpcNode(fakeNetwork().net));
    expect(await m.getnetworkinfo!([])).toMatchObject({
      subversion: '/fake:1/',
      nodeid: '00000000000000ab',
      listenport: 18444,
      networkactive: true,
      connections: 0,
    });
    expect(await m.getnettotals!([])).toMatchObject({ totalbytessent: 1, totalbytesrecv: 2 });
  });

  it('answers -31 for peer calls when the P2P layer is off, and says it is inactive', async () => {
    const m = buildMethods(rpcNode(undefined));
    for (const call of [
      () => m.getpeerinfo!([]),
      () => m.listbanned!([]),
      () => m.setban!(['192.0.2.7', 'add']),
      () => m.clearbanned!([]),
      () => m.addnode!(['127.0.0.1:1', 'add']),
    ]) {
      expect(await codeOf(call)).toBe(-31);
    }
    expect(await m.getnetworkinfo!([])).toMatchObject({
      networkactive: false,
      connections: 0,
      subversion: '',
    });
  });
});
