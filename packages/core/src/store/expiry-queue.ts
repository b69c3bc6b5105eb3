/**
 * Topics by the time they expire, earliest first: a binary heap whose stale entries (a topic
 * published again, or gone) are skipped when they surface. @internal
 */
export class ExpiryQueue {
  #heap: { at: number; topic: string }[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, topic: string): void {
    const heap = this.#heap;
    heap.push({ at, topic });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as { at: number }).at <= at) break;
      [heap[i], heap[parent]] = [
        heap[parent] as { at: number; topic: string },
        heap[i] as { at: number; topic: string },
      ];
      i = parent;
    }
  }

  /** Removes and returns the earliest entry due at `now` or before, if any. */
  popDue(now: number): { at: number; topic: string } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = heap.pop() as { at: number; topic: string };
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && (heap[left] as { at: number }).at < (heap[smallest] as { at: number }).at)
          smallest = left;
        if (right < heap.length && (heap[right] as { at: number }).at < (heap[smallest] as { at: number }).at)
          smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [
          heap[smallest] as { at: number; topic: string },
          heap[i] as { at: number; topic: string },
        ];
        i = smallest;
      }
    }
    return top;
  }

  /** Keeps only the entries `keep` accepts (drops the stale ones), when they outgrow the topics. */
  compact(keep: (entry: { at: number; topic: string }) => boolean): void {
    const entries = this.#heap.filter(keep);
    this.#heap = [];
    for (const entry of entries) this.push(entry.at, entry.topic);
  }
}
