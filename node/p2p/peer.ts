/**
 * One connection to another node (Core's CNode plus the handshake half of PeerManager):
 * framing over a transport's byte stream, the version/verack handshake with a timeout, ping/pong with the
 * round-trip time, bytes in and out per message type, and a sequential message queue, so the
 * owner's handler sees one message at a time, in order, only after the handshake.
 *
 * Handshake (Core's ProcessMessage "version"): the outbound side sends version first; the
 * inbound side answers the peer's version with its own; each sends verack on receiving a
 * version. A message before version, a second version, an obsolete protocol version or a
 * handshake that does not finish in time ends the connection. `onVersion` lets the owner
 * refuse a peer (our own nonce: a self-connection; a node id already connected).
 *
 * Nothing a peer sends throws out of here: a framing or parse error becomes an offence
 * reported through `onOffence`, and the socket is destroyed.
 */
import type { BlockEntry } from '../chain/entry.js';
import { type Clock, type Random, randomU64 } from '../clock.js';
import type { Logger } from '../log.js';
import type { NetworkParams } from '../protocol/params.js';
import { type OffenceCode, P2PError } from './errors.js';
import {
  checksumParts,
  encodeFrame,
  encodeHeader,
  type Frame,
  FrameDecoder,
  HEADER_LEN,
  PAYLOAD_LIMITS,
} from './framing.js';
import { decodeMessage, encodePayload, type Message, type VersionMessage } from './messages.js';
import { addrKey } from './netaddr.js';
import type { PeerInfo } from './peer-info.js';
import { RollingSet } from './rolling-set.js';
import type { Stream } from './transport/transport.js';

/** Protocol version we speak (Core 0.21+: 70016); sendheaders needs 70012. */
export const PROTOCOL_VERSION = 70016;
/** Oldest version we talk to: BIP31 pings with nonces. */
export const MIN_PEER_VERSION = 60001;
export const SENDHEADERS_VERSION = 70012;
/** Core sends BIP155's sendaddrv2 only to peers of this version or later. */
export const ADDRV2_VERSION = 70016;
/** BIP339: wtxidrelay is negotiated with peers of this version or later. */
export const WTXID_RELAY_VERSION = 70016;

/** Received bytes waiting in the queue above which the socket is paused. */
const RECV_QUEUE_LIMIT = 8_000_000;
/** Payload bytes from which a frame is written as header, then payload (no copy). */
const LARGE_PAYLOAD = 64 * 1024;
const KNOWN_INV = 50_000;
const KNOWN_ADDRS = 5_000;

export type Outgoing = Exclude<Message, { command: 'unknown' }>;

export interface LocalInfo {
  /** Our node id, sent as the version nonce. */
  nonce: bigint;
  services: bigint;
  userAgent: string;
  height(): number;
  /** Port we accept connections on, 0 if not listening. */
  listenPort: number;
}

export interface PeerTimings {
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
}

export interface PeerHooks {
  /** Returns an offence to refuse the peer after its version, or null to go on. */
  onVersion(peer: Peer, v: VersionMessage): OffenceCode | null;
  /** Between our version and our verack: where pre-verack negotiation messages are sent. */
  beforeVerack?(peer: Peer): void;
  onReady(peer: Peer): void;
  onMessage(peer: Peer, msg: Message): Promise<void> | void;
  onOffence(peer: Peer, err: P2PError): void;
  onClose(peer: Peer, reason: string): void;
}

export class Peer {
  readonly id: number;
  readonly socket: Stream;
  readonly direction: 'inbound' | 'outbound';
  readonly host: string;
  readonly port: number;
  /** For outbound peers: the address book key we dialled. */
  readonly dialed: string | null;
  /** Seconds, on the node's clock. */
  readonly connectedAt: number;
  version: VersionMessage | null = null;
  ready = false;
  closed = false;
  closeReason = '';
  pingMs: number | null = null;
  /** Unix seconds of the last bytes sent and received (0: never). */
  lastSend = 0;
  lastRecv = 0;
  /** Unix seconds of the last new valid block / mempool tx this peer gave us (0: never). */
  lastBlockAt = 0;
  lastTxAt = 0;
  /** The lowest round trip seen (Core's m_min_ping_time). */
  minPingMs: number | null = null;
  /** Misbehaviour score on this connection. */
  banScore = 0;
  /** Best block header we know the peer has. */
  best: BlockEntry | null = null;
  /** The peer asked for header announcements (BIP130). */
  sendHeaders = false;
  /** Transactions are announced and requested by wtxid on this connection (BIP339). */
  wtxidRelay = false;
  /** The peer's BIP133 fee filter, sat/kvB: transactions below it are not announced to it. */
  feeFilter = 0n;
  /** Answered one getaddr already (Core answers one per connection). */
  servedGetaddr = false;
  /** The peer sent sendaddrv2 before verack: it gets addrv2, not addr (BIP155). */
  wantsAddrV2 = false;
  /**
   * Core's hashContinue: the last block of a full getblocks answer; when the peer asks for
   * it, it is sent an inv of our tip, so it asks for the next batch.
   */
  continueAt: string | null = null;
  /** The files protocol version the peer sent in `sendfiles` before verack (0: none). */
  filesVersion = 0;
  readonly knownInv = new RollingSet<string>(KNOWN_INV);
  readonly knownAddrs = new RollingSet<string>(KNOWN_ADDRS);
  readonly bytesSentPerMsg: Record<string, number> = {};
  readonly bytesReceivedPerMsg: Record<string, number> = {};
  readonly messagesReceived: Record<string, number> = {};
  bytesSent = 0;
  bytesReceived = 0;

  private readonly params: NetworkParams;
  private readonly local: LocalInfo;
  private readonly timings: PeerTimings;
  private readonly hooks: PeerHooks;
  private readonly log: Logger;
  private readonly decoder: FrameDecoder;
  private readonly queue: Frame[] = [];
  private queuedBytes = 0;
  private processing: Promise<void> | null = null;
  private gotVerack = false;
  private readonly clock: Clock;
  private readonly random: Random;
  private handshakeTimer: unknown = null;
  private pingTimer: unknown = null;
  private ping: { nonce: bigint; sentAt: number } | null = null;

  constructor(
    opts: {
      id: number;
      socket: Stream;
      direction: 'inbound' | 'outbound';
      host: string;
      port: number;
      dialed?: string;
      params: NetworkParams;
      local: LocalInfo;
      timings: PeerTimings;
      log: Logger;
      clock: Clock;
      /** Ping nonces (not secret: they only match a pong to its ping). */
      random: Random;
    },
    hooks: PeerHooks,
  ) {
    this.id = opts.id;
    this.socket = opts.socket;
    this.direction = opts.direction;
    this.host = opts.host;
    this.port = opts.port;
    this.dialed = opts.dialed ?? null;
    this.params = opts.params;
    this.local = opts.local;
    this.timings = opts.timings;
    this.log = opts.log;
    this.clock = opts.clock;
    this.random = opts.random;
    this.connectedAt = Math.floor(this.clock.now() / 1000);
    this.hooks = hooks;
    this.decoder = new FrameDecoder(opts.params.magic);
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (e) => this.close(`socket error: ${e.message}`));
    this.socket.on('close', () => this.close('socket closed'));
    this.handshakeTimer = this.clock.setTimeout(() => {
      this.handshakeTimer = null;
      if (!this.ready) this.offence(new P2PError('HANDSHAKE_TIMEOUT', 'handshake timed out'));
    }, this.timings.handshakeTimeoutMs);
  }

  /** Starts the handshake (the outbound side speaks first). */
  start(): void {
    if (this.direction === 'outbound') this.sendVersion();
  }

  get addr(): string {
    return addrKey(this.host, this.port);
  }

  /** The peer's version nonce in hex: the id its node gives itself. */
  get nodeId(): string {
    return this.version ? this.version.nonce.toString(16).padStart(16, '0') : '';
  }

  /** Bytes queued in the socket's send buffer (the owner pauses serving above a limit). */
  get sendBacklog(): number {
    return this.socket.writableLength;
  }

  send(msg: Outgoing, witness = true): void {
    if (this.closed) return;
    this.sendRaw(msg.command, encodePayload(msg, witness));
  }

  /** Sends an already serialized payload (a stored block, as it is on disk). */
  sendRaw(command: string, payload: Uint8Array): void {
    if (this.closed) return;
    const size = HEADER_LEN + payload.length;
    this.bytesSent += size;
    this.lastSend = Math.floor(this.clock.now() / 1000);
    this.bytesSentPerMsg[command] = (this.bytesSentPerMsg[command] ?? 0) + size;
    // A big payload (a block, a file piece) goes out behind its header uncopied: two writes
    // cost less than copying it into one frame.
    if (payload.length >= LARGE_PAYLOAD) {
      this.socket.write(encodeHeader(this.params.magic, command, payload.length, checksumParts([payload])));
      this.socket.write(payload);
    } else this.socket.write(encodeFrame(this.params.magic, command, payload));
  }

  /**
   * Sends a payload given as parts end to end (a file piece: its fields, then the file bytes as
   * read), each written as it is: the bytes are hashed for the checksum but never copied.
   */
  sendParts(command: string, parts: readonly Uint8Array[]): void {
    if (this.closed) return;
    let length = 0;
    for (const p of parts) length += p.length;
    const size = HEADER_LEN + length;
    this.bytesSent += size;
    this.lastSend = Math.floor(this.clock.now() / 1000);
    this.bytesSentPerMsg[command] = (this.bytesSentPerMsg[command] ?? 0) + size;
    this.socket.write(encodeHeader(this.params.magic, command, length, checksumParts(parts)));
    for (const p of parts) if (p.length > 0) this.socket.write(p);
  }

  /** Resolves once the send buffer is below `limit` bytes (or the connection is gone). */
  async drained(limit: number): Promise<void> {
    while (!this.closed && this.socket.writableLength > limit) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
  }

  /** Ends the connection; the reason shows in the log and the close hook. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    if (this.handshakeTimer !== null) this.clock.clearTimeout(this.handshakeTimer);
    if (this.pingTimer !== null) this.clock.clearInterval(this.pingTimer);
    this.handshakeTimer = this.pingTimer = null;
    this.queue.length = 0;
    this.socket.destroy();
    this.hooks.onClose(this, reason);
  }

  /** Reports an offence (scored by the owner) and disconnects. */
  offence(err: P2PError): void {
    if (this.closed) return;
    this.banScore += err.score;
    this.hooks.onOffence(this, err);
    this.close(`${err.code}: ${err.message}`);
  }

  info(): PeerInfo {
    const v = this.version;
    return {
      id: this.id,
      addr: this.addr,
      host: this.host,
      port: this.port,
      nodeId: this.nodeId,
      direction: this.direction,
      services: (v?.services ?? 0n).toString(16).padStart(16, '0'),
      version: v?.version ?? 0,
      userAgent: v?.userAgent ?? '',
      startHeight: v?.startHeight ?? -1,
      syncedHeight: this.best?.height ?? -1,
      pingMs: this.pingMs,
      minPingMs: this.minPingMs,
      pingWaitMs: this.ping ? this.clock.now() - this.ping.sentAt : null,
      lastSend: this.lastSend,
      lastRecv: this.lastRecv,
      lastBlock: this.lastBlockAt,
      lastTransaction: this.lastTxAt,
      connectedAt: this.connectedAt,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      bytesSentPerMsg: { ...this.bytesSentPerMsg },
      bytesReceivedPerMsg: { ...this.bytesReceivedPerMsg },
      banScore: this.banScore,
    };
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      if (!(e instanceof P2PError)) throw e;
      this.offence(e);
      return;
    }
    for (const f of frames) {
      const size = HEADER_LEN + f.payload.length;
      // Unknown commands count under one name, so a peer cannot grow this table.
      const name = f.command in PAYLOAD_LIMITS ? f.command : '*other*';
      this.bytesReceived += size;
      this.lastRecv = Math.floor(this.clock.now() / 1000);
      this.bytesReceivedPerMsg[name] = (this.bytesReceivedPerMsg[name] ?? 0) + size;
      this.messagesReceived[name] = (this.messagesReceived[name] ?? 0) + 1;
      this.queue.push(f);
      this.queuedBytes += size;
    }
    if (this.queuedBytes > RECV_QUEUE_LIMIT) this.socket.pause();
    this.drain();
  }

  private drain(): void {
    if (this.processing || this.queue.length === 0) return;
    // `finally` runs after the assignment even when the loop ends without waiting.
    this.processing = this.runQueue().finally(() => {
      this.processing = null;
    });
  }

  private async runQueue(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const f = this.queue.shift()!;
      this.queuedBytes -= HEADER_LEN + f.payload.length;
      if (this.queuedBytes <= RECV_QUEUE_LIMIT / 2 && this.socket.isPaused()) this.socket.resume();
      await this.handleFrame(f);
    }
  }

  /** Resolves when the message being handled (if any) is done; used at shutdown. */
  idle(): Promise<void> {
    return this.processing ?? Promise.resolve();
  }

  private async handleFrame(f: Frame): Promise<void> {
    try {
      const msg = decodeMessage(f.command, f.payload);
      if (msg.command === 'version') return this.onVersion(msg);
      if (!this.version) throw new P2PError('HANDSHAKE', `'${f.command}' before version`);
      if (msg.command === 'verack') return this.onVerack();
      if (msg.command === 'sendaddrv2') {
        if (this.ready) throw new P2PError('LATE_NEGOTIATION', 'sendaddrv2 after verack');
        this.wantsAddrV2 = true;
        return;
      }
      if (msg.command === 'wtxidrelay') return this.onWtxidRelay();
      // BIP155/BIP339 messages may come between version and verack; nothing else matters then.
      if (!this.ready) {
        if (msg.command === 'sendfiles') this.filesVersion = msg.version;
        return;
      }
      if (msg.command === 'ping') return this.send({ command: 'pong', nonce: msg.nonce });
      if (msg.command === 'pong') return this.onPong(msg.nonce);
      await this.hooks.onMessage(this, msg);
    } catch (e) {
      if (e instanceof P2PError) return this.offence(e);
      this.log.error('message handler failed', {
        peer: this.id,
        command: f.command,
        error: (e as Error).message,
      });
    }
  }

  private sendVersion(): void {
    this.send({
      command: 'version',
      version: PROTOCOL_VERSION,
      services: this.local.services,
      timestamp: BigInt(Math.floor(this.clock.now() / 1000)),
      addrRecv: { host: this.host, port: this.port, services: this.version?.services ?? 0n },
      addrFrom: { host: '::', port: this.local.listenPort, services: this.local.services },
      nonce: this.local.nonce,
      userAgent: this.local.userAgent,
      startHeight: this.local.height(),
      relay: true,
    });
  }

  private onVersion(v: VersionMessage): void {
    if (this.version) throw new P2PError('HANDSHAKE', 'duplicate version message');
    if (v.version < MIN_PEER_VERSION) {
      throw new P2PError('OBSOLETE_VERSION', `protocol version ${v.version} < ${MIN_PEER_VERSION}`);
    }
    this.version = v;
    const refusal = this.hooks.onVersion(this, v);
    if (refusal) {
      // A node we are already connected to learns who answered, so it stops dialling us here.
      if (refusal === 'DUPLICATE_CONNECTION' && this.direction === 'inbound') this.sendVersion();
      throw new P2PError(refusal, `refused after version (${v.userAgent})`);
    }
    if (this.direction === 'inbound') this.sendVersion();
    // Between version and verack, in Core's order: BIP339 wtxidrelay, then BIP155 sendaddrv2
    // (Core sends it to everyone; we only to 70016+, who can understand it).
    if (v.version >= WTXID_RELAY_VERSION) this.send({ command: 'wtxidrelay' });
    if (v.version >= ADDRV2_VERSION) this.send({ command: 'sendaddrv2' });
    this.hooks.beforeVerack?.(this);
    this.send({ command: 'verack' });
    if (this.gotVerack) this.becomeReady();
  }

  private onVerack(): void {
    if (this.gotVerack) return;
    this.gotVerack = true;
    if (this.version) this.becomeReady();
  }

  /** BIP339 (Core's "wtxidrelay received after verack": disconnect). */
  private onWtxidRelay(): void {
    if (this.gotVerack) throw new P2PError('LATE_NEGOTIATION', 'wtxidrelay after verack');
    if ((this.version?.version ?? 0) >= WTXID_RELAY_VERSION) this.wtxidRelay = true;
  }

  private becomeReady(): void {
    this.ready = true;
    if (this.handshakeTimer !== null) this.clock.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.pingTimer = this.clock.setInterval(() => this.sendPing(), this.timings.pingIntervalMs);
    this.sendPing();
    this.hooks.onReady(this);
  }

  /** RPC ping: a ping now, unless one is already waiting for its pong (Core's fPingQueued). */
  pingNow(): void {
    if (this.ready && !this.closed) this.sendPing();
  }

  private sendPing(): void {
    if (this.ping) {
      if (this.clock.now() - this.ping.sentAt > this.timings.pingTimeoutMs)
        this.offence(new P2PError('PING_TIMEOUT', 'no pong in time'));
      return;
    }
    const nonce = randomU64(this.random);
    this.ping = { nonce, sentAt: this.clock.now() };
    this.send({ command: 'ping', nonce });
  }

  private onPong(nonce: bigint): void {
    if (!this.ping || nonce !== this.ping.nonce) return;
    this.pingMs = this.clock.now() - this.ping.sentAt;
    this.minPingMs = this.minPingMs === null ? this.pingMs : Math.min(this.minPingMs, this.pingMs);
    this.ping = null;
  }
}
