#!/usr/bin/env python3
"""An independent JSON-RPC client (python-bitcoinlib's bitcoin.rpc.Proxy) against a gossip-ledger
regtest node, with the library's default lookup: no URL and no credentials are passed. The
bitcoin.conf given holds only rpcport; Proxy reads the cookie from <conf dir>/regtest/.cookie,
the node's data dir.

Usage: rpc_client.py BITCOIN_CONF ADDRESS SIGNED_TX_HEX

Calls getblockchaininfo, generatetoaddress (1 block to ADDRESS), getblock (that block, which
python-bitcoinlib deserializes and hashes itself), sendrawtransaction (SIGNED_TX_HEX),
getrawtransaction (from the mempool, then once mined), estimatesmartfee, and a method that does
not exist; prints one JSON line starting with RESULT. Exits non-zero on any unexpected error.
"""
import json
import sys

import bitcoin
import bitcoin.rpc
from bitcoin.core import CTransaction, b2lx, x


def main():
    conf, address, tx_hex = sys.argv[1], sys.argv[2], sys.argv[3]
    bitcoin.SelectParams('regtest')
    proxy = bitcoin.rpc.Proxy(btc_conf_file=conf)
    info = proxy.call('getblockchaininfo')
    hashes = list(proxy.generatetoaddress(1, address))
    block = proxy.getblock(hashes[0])
    tx = CTransaction.deserialize(x(tx_hex))
    txid = proxy.sendrawtransaction(tx)
    pooled = proxy.getrawtransaction(txid)
    fee = proxy.call('estimatesmartfee', 2)
    mined = list(proxy.generatetoaddress(1, address))
    confirmed = proxy.getrawtransaction(txid, True)
    try:
        proxy.call('nosuchmethod')
        unknown = None
    except bitcoin.rpc.JSONRPCError as e:
        unknown = e.error['code']
    print('RESULT ' + json.dumps({
        'chain': info['chain'],
        'blocks': info['blocks'],
        'generated': b2lx(hashes[0]),
        'blockHash': b2lx(block.GetHash()),
        'blockTxs': len(block.vtx),
        'coinbase': block.vtx[0].is_coinbase(),
        'txid': b2lx(txid),
        'pooledTxid': b2lx(pooled.GetTxid()),
        'feerate': str(fee['feerate']),
        'feeBlocks': fee['blocks'],
        'minedIn': b2lx(confirmed['blockhash']),
        'mined': b2lx(mined[0]),
        'confirmedTxid': b2lx(confirmed['tx'].GetTxid()),
        'unknownMethodCode': unknown,
    }))


if __name__ == '__main__':
    main()
