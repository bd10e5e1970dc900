/**
 * BIP152 high-bandwidth peers we ask to push compact blocks to us, chosen as Core's
 * MaybeSetPeerAsAnnouncingHeaderAndIDs (net_processing.cpp) chooses them: the peer that just
 * delivered a new tip block goes to the back of a list of at most 3; a fourth pushes out the
 * oldest (which is told `sendcmpct 0`), except that an inbound newcomer never pushes out the
 * last outbound one (it is moved to the second slot first), so one eclipse-prone side cannot
 * take every slot.
 */

export interface HbCandidate {
  readonly direction: 'inbound' | 'outbound';
  readonly closed: boolean;
}

/** BIP152: "no more than 3". */
export const MAX_HB_PEERS = 3;

export class HbPeers<P extends HbCandidate> {
  private list: P[] = [];

  /** The peers asked to announce with compact blocks, oldest first. */
  get peers(): readonly P[] {
    return this.list;
  }

  has(p: P): boolean {
    return this.list.includes(p);
  }

  /**
   * `p` delivered a new tip first. Returns who to tell `sendcmpct 1` (p, unless it already was
   * one) and who to tell `sendcmpct 0` (the peer it displaces, if any).
   */
  select(p: P): { add: P | null; drop: P | null } {
    this.list = this.list.filter((x) => !x.closed);
    const at = this.list.indexOf(p);
    if (at >= 0) {
      this.list.splice(at, 1);
      this.list.push(p);
      return { add: null, drop: null };
    }
    const outbound = this.list.filter((x) => x.direction === 'outbound').length;
    if (p.direction === 'inbound' && this.list.length >= MAX_HB_PEERS && outbound === 1) {
      if (this.list[0]!.direction === 'outbound')
        [this.list[0], this.list[1]] = [this.list[1]!, this.list[0]!];
    }
    let drop: P | null = null;
    if (this.list.length >= MAX_HB_PEERS) drop = this.list.shift()!;
    this.list.push(p);
    return { add: p, drop };
  }

  remove(p: P): void {
    this.list = this.list.filter((x) => x !== p);
  }
}
