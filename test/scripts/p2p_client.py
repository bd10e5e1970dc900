#!/usr/bin/env python3
"""An independent Bitcoin P2P client (python-bitcoinlib) against a gossip-ledger regtest node.

Usage: p2p_client.py HOST PORT HEIGHT

Completes version/verack, asks for headers from genesis, takes the header at HEIGHT, fetches
that block by getdata twice (MSG_BLOCK and MSG_WITNESS_BLOCK), and prints one JSON line starting
with RESULT: the number of headers, the block hash and merkle root python-bitcoinlib computes,
and whether the header hashes chain up. Exits non-zero on any protocol error.

python-bitcoinlib's msg_headers does not read the transaction count after each header, so the
headers payload is parsed here with its CBlockHeader and VarIntSerializer; every other message
goes through MsgSerializable.from_bytes, which also checks the checksum.
"""
import hashlib
import json
import socket
import struct
import sys
from io import BytesIO

import bitcoin
from bitcoin.core import CBlockHeader, b2lx
from bitcoin.core.serialize import VarIntSerializer
from bitcoin.messages import MsgSerializable, msg_getdata, msg_getheaders, msg_pong, msg_verack, msg_version
from bitcoin.net import CInv

MSG_BLOCK = 2
MSG_WITNESS_BLOCK = 0x40000002


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed by the node")
        buf += chunk
    return buf


def read_frame(sock):
    header = read_exact(sock, 24)
    if header[:4] != bitcoin.params.MESSAGE_START:
        raise ValueError("bad magic")
    command = header[4:16].split(b"\x00", 1)[0].decode()
    length = struct.unpack("<I", header[16:20])[0]
    payload = read_exact(sock, length)
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != header[20:24]:
        raise ValueError("bad checksum on " + command)
    return command, payload, header + payload


def wait_for(sock, wanted):
    """Reads frames until one with command `wanted`; answers pings on the way."""
    while True:
        command, payload, raw = read_frame(sock)
        if command == "ping":
            pong = msg_pong()
            pong.nonce = struct.unpack("<Q", payload)[0]
            sock.sendall(pong.to_bytes())
        if command == wanted:
            return payload, raw


def main():
    host, port, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    bitcoin.SelectParams("regtest")
    sock = socket.create_connection((host, port), timeout=20)

    version = msg_version()
    version.nVersion = 70016
    version.nStartingHeight = 0
    version.strSubVer = b"/python-bitcoinlib-test/"
    sock.sendall(version.to_bytes())
    _, raw = wait_for(sock, "version")
    theirs = MsgSerializable.from_bytes(raw)
    wait_for(sock, "verack")
    sock.sendall(msg_verack().to_bytes())

    getheaders = msg_getheaders()
    getheaders.locator.vHave = [bitcoin.params.GENESIS_BLOCK.GetHash()]
    sock.sendall(getheaders.to_bytes())
    payload, _ = wait_for(sock, "headers")
    f = BytesIO(payload)
    headers = []
    for _ in range(VarIntSerializer.stream_deserialize(f)):
        headers.append(CBlockHeader.stream_deserialize(f))
        VarIntSerializer.stream_deserialize(f)
    chained = headers[0].hashPrevBlock == bitcoin.params.GENESIS_BLOCK.GetHash() and all(
        headers[i].hashPrevBlock == headers[i - 1].GetHash() for i in range(1, len(headers))
    )
    target = headers[height - 1]

    blocks = []
    for inv_type in (MSG_BLOCK, MSG_WITNESS_BLOCK):
        getdata = msg_getdata()
        inv = CInv()
        inv.type = inv_type
        inv.hash = target.GetHash()
        getdata.inv = [inv]
        sock.sendall(getdata.to_bytes())
        _, raw = wait_for(sock, "block")
        blocks.append(MsgSerializable.from_bytes(raw).block)
    sock.close()

    result = {
        "peerVersion": theirs.nVersion,
        "peerUserAgent": theirs.strSubVer.decode(),
        "peerHeight": theirs.nStartingHeight,
        "headers": len(headers),
        "headersChain": chained,
        "headerHash": b2lx(target.GetHash()),
        "blocks": [
            {
                "hash": b2lx(b.GetHash()),
                "merkleRoot": b2lx(b.calc_merkle_root()),
                "headerMerkleRoot": b2lx(b.hashMerkleRoot),
                "txids": [b2lx(tx.GetTxid()) for tx in b.vtx],
                "witness": any(tx.has_witness() for tx in b.vtx),
            }
            for b in blocks
        ],
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
