/**
 * A set that forgets its oldest members past a capacity: per-peer known inventory and
 * addresses, recently rejected transactions (Core uses rolling Bloom filters for these; an
 * exact set of the same capacity trades memory for having no false positives).
 */
export class RollingSet<T> {
  private readonly items = new Set<T>();
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  has(x: T): boolean {
    return this.items.has(x);
  }

  add(x: T): void {
    if (this.items.has(x)) return;
    this.items.add(x);
    if (this.items.size > this.capacity) {
      const oldest = this.items.values().next().value as T;
      this.items.delete(oldest);
    }
  }

  delete(x: T): void {
    this.items.delete(x);
  }

  clear(): void {
    this.items.clear();
  }

  get size(): number {
    return this.items.size;
  }
}
