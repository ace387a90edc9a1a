/**
 * A FIFO with a hard length bound that drops its oldest item when full. For
 * telemetry the newest samples matter most: the edge detects the resulting seq
 * gap, while blocking the serial side would lose the newest data instead.
 */
export class DropOldestQueue<T> {
  readonly lengthMax: number;
  /** Items pushed out by newer ones since construction. */
  dropped = 0;
  private readonly ring: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(lengthMax: number) {
    if (!Number.isInteger(lengthMax) || lengthMax < 1) throw new RangeError(`queue bound ${lengthMax} must be a positive integer`);
    this.lengthMax = lengthMax;
    this.ring = new Array<T | undefined>(lengthMax);
  }

  get length(): number {
    return this.size;
  }

  /** Appends; returns the dropped oldest item when the queue was full. */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.size === this.lengthMax) {
      evicted = this.shift();
      this.dropped++;
    }
    this.ring[(this.head + this.size) % this.lengthMax] = item;
    this.size++;
    return evicted;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.lengthMax;
    this.size--;
    return item;
  }

  clear(): number {
    const n = this.size;
    this.ring.fill(undefined);
    this.head = 0;
    this.size = 0;
    return n;
  }
}
