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
import { SPECS } from '../node/rpc/help.js';
import { buildMethods } from '../node/rpc/table.js';

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
    submitPackage: () => Promise.reject(new Error('not used')),
    sync: () => {
      throw new Error('not used');
    },
    generate: () => Promise.reject(new Error('not used')),
    onStopRequest: () => undefined,
    startedAt: 0,
    feeEstimates: () => Promise.reject(new Error('not used')),
    sizeOnDisk: () => Promise.reject(new Error('not used')),
    template: () => {
      throw new Error('not used');
    },
    submitBlock: () => Promise.reject(new Error('not used')),
    invalidateBlock: () => Promise.reject(new Error('not used')),
    reconsiderBlock: () => Promise.reject(new Error('not used')),
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
    disconnect: (target) => {
      calls.push(`disconnect ${JSON.stringify(target)}`);
      return 'id' in target ? target.id === 7 : target.address === '1.2.3.4:18444';
    },
    pingAll: () => {
      calls.push('pingAll');
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

describe('the method table', () => {
  it('has usage text for every method and a method for every usage text', () => {
    expect(Object.keys(buildMethods(rpcNode(undefined))).sort()).toEqual(Object.keys(SPECS).sort());
  });
});

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
    // BIP324 is not offered, as Core with -v2transport=0.
    expect(await codeOf(() => m.addnode!(['127.0.0.1:2', 'add', true]))).toBe(-8);
    expect(await m.addnode!(['127.0.0.1:2', 'add', false])).toBeNull();
  });

  it('ping asks every peer; disconnectnode takes an address or an id, not both (Core -8, -29)', async () => {
    const { net, calls } = fakeNetwork();
    const m = buildMethods(rpcNode(net));
    expect(await m.ping!([])).toBeNull();
    expect(await m.disconnectnode!(['1.2.3.4:18444'])).toBeNull();
    expect(await m.disconnectnode!(['', 7])).toBeNull();
    expect(await m.disconnectnode!([null, 7])).toBeNull();
    expect(calls).toEqual([
      'pingAll',
      'disconnect {"address":"1.2.3.4:18444"}',
      'disconnect {"id":7}',
      'disconnect {"id":7}',
    ]);
    expect(await codeOf(() => m.disconnectnode!(['5.6.7.8:1']))).toBe(-29);
    expect(await codeOf(() => m.disconnectnode!([null, 8]))).toBe(-29);
    expect(await codeOf(() => m.disconnectnode!(['1.2.3.4:18444', 7]))).toBe(-8);
    expect(await codeOf(() => m.disconnectnode!([]))).toBe(-8);
    expect(await codeOf(() => m.disconnectnode!([null, 'x']))).toBe(-3);
    // Without P2P, Core's -31.
    expect(await codeOf(() => buildMethods(rpcNode(undefined)).ping!([]))).toBe(-31);
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
    const info = (await m.getnetworkinfo!([])) as { networks: { name: string; reachable: boolean }[] };
    expect(info.networks.filter((n) => n.reachable).map((n) => n.name)).toEqual(['ipv4', 'ipv6']);
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
