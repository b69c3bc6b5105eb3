// Reads a V8 heap snapshot (`v8.writeHeapSnapshot`) without holding its text: the header is JSON,
// the node and edge arrays are scanned straight into typed arrays, and only the string table is
// parsed as JSON. Then it computes what DevTools' Summary view shows per class: count, shallow
// size and retained size (dominator tree over the strong edges, each class's retained size
// counted once per dominator-tree path so nested instances are not added twice).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** One class of objects in a snapshot. */
export interface ClassSummary {
  /**
   * Constructor name; `fn()` for closures; V8's own kinds (`(string)`, `(array) ...`,
   * `(system) ...`, `(object shape)`) followed by ` in Owner`, the object or closure holding them.
   */
  name: string;
  count: number;
  /** Bytes of the objects themselves. */
  selfBytes: number;
  /** Bytes that would be freed with all of them (not counting instances held by another of the class). */
  retainedBytes: number;
}

/** A snapshot summarised by class. */
export interface SnapshotSummary {
  nodes: number;
  edges: number;
  /** Sum of every object's own size. */
  totalBytes: number;
  classes: Map<string, ClassSummary>;
}

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

interface Header {
  snapshot: { meta: Meta; node_count: number; edge_count: number };
}

const CHUNK = 16 * 1024 * 1024;

/** Reads a file front to back in chunks, for a scanner that stops where it likes. */
class Reader {
  readonly #fd: number;
  readonly size: number;
  #buf = Buffer.alloc(CHUNK);
  #len = 0;
  #pos = 0;
  /** File offset of `#buf[0]`. */
  #base = 0;

  constructor(file: string) {
    this.#fd = openSync(file, 'r');
    this.size = fstatSync(this.#fd).size;
  }

  close(): void {
    closeSync(this.#fd);
  }

  /** The next byte, or -1 at the end. */
  byte(): number {
    if (this.#pos === this.#len && !this.#fill()) return -1;
    return this.#buf[this.#pos++]!;
  }

  /** The bytes up to and including the first occurrence of `marker` (which must come within `limit` bytes). */
  until(marker: string, limit: number): string {
    const parts: Buffer[] = [];
    let total = 0;
    const needle = Buffer.from(marker);
    for (;;) {
      const at = this.#buf.subarray(this.#pos, this.#len).indexOf(needle);
      if (at !== -1) {
        parts.push(Buffer.from(this.#buf.subarray(this.#pos, this.#pos + at + needle.length)));
        this.#pos += at + needle.length;
        return Buffer.concat(parts).toString('utf8');
      }
      // Keep a marker's length back: it may straddle two chunks.
      const keep = Math.max(this.#pos, this.#len - needle.length + 1);
      parts.push(Buffer.from(this.#buf.subarray(this.#pos, keep)));
      total += keep - this.#pos;
      this.#pos = keep;
      if (total > limit) throw new Error(`bench: no ${marker} within ${limit} bytes of the snapshot`);
      if (!this.#fill()) throw new Error(`bench: the snapshot ends before ${marker}`);
    }
  }

  /** Everything from here to the end of the file. */
  rest(): Buffer {
    const out = Buffer.alloc(this.size - this.#base - this.#pos);
    const head = this.#buf.subarray(this.#pos, this.#len);
    head.copy(out, 0);
    let offset = head.length;
    while (offset < out.length) {
      const n = readSync(this.#fd, out, offset, out.length - offset, this.#base + this.#len + (offset - head.length));
      if (n === 0) break;
      offset += n;
    }
    return out;
  }

  #fill(): boolean {
    // Keep the unread tail (for `until`), then read after it.
    const tail = this.#len - this.#pos;
    this.#buf.copy(this.#buf, 0, this.#pos, this.#len);
    this.#base += this.#pos;
    this.#pos = 0;
    this.#len = tail;
    const n = readSync(this.#fd, this.#buf, tail, this.#buf.length - tail, this.#base + tail);
    this.#len += n;
    return n > 0;
  }
}

/** Reads `count` non-negative integers of a JSON array whose `[` was just read. */
function readNumbers(reader: Reader, into: Float64Array | Uint32Array): void {
  let value = 0;
  let digits = false;
  let i = 0;
  for (;;) {
    const byte = reader.byte();
    if (byte >= 0x30 && byte <= 0x39) {
      value = value * 10 + (byte - 0x30);
      digits = true;
      continue;
    }
    if (digits) {
      if (i >= into.length) throw new Error('bench: the snapshot holds more values than its header says');
      into[i++] = value;
      value = 0;
      digits = false;
    }
    if (byte === 0x5d /* ] */) break;
    if (byte === -1) throw new Error('bench: the snapshot ends inside an array');
  }
  if (i !== into.length) throw new Error(`bench: the snapshot holds ${i} values where its header says ${into.length}`);
}

/** The class a node is counted under. */
function classOf(type: string, name: string): string {
  switch (type) {
    case 'object':
    case 'native':
    case 'synthetic':
      return name;
    case 'closure':
      return `${name === '' ? '(anonymous)' : name}()`;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'array':
      return name === '' ? '(array)' : `(array) ${name}`;
    case 'hidden':
      return `(system) ${name.replace(/^system \/ /, '')}`;
    case 'code':
      return '(compiled code)';
    default:
      return `(${type})`;
  }
}

/**
 * Summarises a heap snapshot file by class.
 * @param file - a `.heapsnapshot` written by V8.
 */
export function summarizeSnapshot(file: string): SnapshotSummary {
  const reader = new Reader(file);
  let nodes: Float64Array;
  let edges: Uint32Array;
  let strings: string[];
  let meta: Meta;
  try {
    const head = reader.until('"nodes":[', 1 << 20);
    const header = JSON.parse(`${head.slice(0, head.lastIndexOf('"nodes"')).replace(/,\s*$/, '')}}`) as Header;
    meta = header.snapshot.meta;
    nodes = new Float64Array(header.snapshot.node_count * meta.node_fields.length);
    readNumbers(reader, nodes);
    reader.until('"edges":[', 1 << 10);
    edges = new Uint32Array(header.snapshot.edge_count * meta.edge_fields.length);
    readNumbers(reader, edges);
    const rest = reader.rest();
    const start = rest.indexOf('"strings":[');
    const end = rest.lastIndexOf(']');
    if (start === -1 || end === -1) throw new Error('bench: no string table in the snapshot');
    strings = JSON.parse(rest.toString('utf8', start + '"strings":'.length, end + 1)) as string[];
  } finally {
    reader.close();
  }
  return summarize(meta, nodes, edges, strings);
}

function summarize(meta: Meta, nodes: Float64Array, edges: Uint32Array, strings: readonly string[]): SnapshotSummary {
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const TYPE = meta.node_fields.indexOf('type');
  const NAME = meta.node_fields.indexOf('name');
  const SELF = meta.node_fields.indexOf('self_size');
  const EDGE_COUNT = meta.node_fields.indexOf('edge_count');
  const EDGE_TYPE = meta.edge_fields.indexOf('type');
  const TO = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const WEAK = edgeTypes.indexOf('weak');
  const SHORTCUT = edgeTypes.indexOf('shortcut');
  const count = nodes.length / nf;
  const edgeCount = edges.length / ef;
  const ROOT = 0;

  // Where each node's edges start.
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0, e = 0; n < count; n++) {
    firstEdge[n] = e;
    e += nodes[n * nf + EDGE_COUNT]!;
    firstEdge[n + 1] = e;
  }
  // As DevTools: weak edges retain nothing, and shortcuts only from the root.
  const essential = (from: number, e: number): boolean => {
    const type = edges[e * ef + EDGE_TYPE]!;
    return type !== WEAK && (type !== SHORTCUT || from === ROOT);
  };
  const target = (e: number): number => edges[e * ef + TO]! / nf;

  // Retainers: for each node, the nodes holding it by an essential edge.
  const firstRetainer = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++)
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) if (essential(n, e)) firstRetainer[target(e) + 1]!++;
  for (let n = 0; n < count; n++) firstRetainer[n + 1]! += firstRetainer[n]!;
  const retainers = new Uint32Array(firstRetainer[count]!);
  const filled = firstRetainer.slice(0, count);
  for (let n = 0; n < count; n++)
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) if (essential(n, e)) retainers[filled[target(e)]!++] = n;

  // Post-order from the root over essential edges, iteratively (the heap is deep).
  const NONE = 0xffffffff;
  const postOrder = new Uint32Array(count).fill(NONE);
  const byPostOrder = new Uint32Array(count);
  const stack = new Uint32Array(count);
  const nextEdge = new Uint32Array(count);
  let index = 0;
  let top = 0;
  const visited = new Uint8Array(count);
  stack[0] = ROOT;
  visited[ROOT] = 1;
  nextEdge[ROOT] = firstEdge[ROOT]!;
  while (top >= 0) {
    const n = stack[top]!;
    if (nextEdge[n]! < firstEdge[n + 1]!) {
      const e = nextEdge[n]!++;
      const to = target(e);
      if (!visited[to] && essential(n, e)) {
        visited[to] = 1;
        nextEdge[to] = firstEdge[to]!;
        stack[++top] = to;
      }
    } else {
      postOrder[n] = index;
      byPostOrder[index++] = n;
      top--;
    }
  }
  // Objects reachable only through weak edges: dominated by the root, counted below it.
  const reached = index;
  const rootIndex = reached - 1;
  // Dominators by post-order index (Cooper, Harvey and Kennedy's iteration).
  const dominator = new Uint32Array(reached).fill(NONE);
  dominator[rootIndex] = rootIndex;
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (let i = rootIndex - 1; i >= 0; i--) {
      const n = byPostOrder[i]!;
      let dom = NONE;
      for (let r = firstRetainer[n]!; r < firstRetainer[n + 1]!; r++) {
        let a = postOrder[retainers[r]!]!;
        if (a === NONE || dominator[a] === NONE) continue;
        if (dom === NONE) {
          dom = a;
          continue;
        }
        let b = dom;
        while (a !== b) {
          while (a < b) a = dominator[a]!;
          while (b < a) b = dominator[b]!;
        }
        dom = a;
      }
      if (dom !== NONE && dominator[i] !== dom) {
        dominator[i] = dom;
        changed = true;
      }
    }
  }

  const self = (n: number): number => nodes[n * nf + SELF]!;
  const className = (n: number): string =>
    classOf(nodeTypes[nodes[n * nf + TYPE]!] ?? '?', strings[nodes[n * nf + NAME]!] ?? '');
  const retained = new Float64Array(count);
  for (let n = 0; n < count; n++) retained[n] = self(n);
  // A dominator comes after everything it dominates in post-order.
  for (let i = 0; i < rootIndex; i++) {
    const d = dominator[i] === NONE ? rootIndex : dominator[i]!;
    retained[byPostOrder[d]!]! += retained[byPostOrder[i]!]!;
  }

  // V8's internal pieces (property and element arrays, contexts, strings, shapes) are named after
  // the object that owns them, their nearest dominator that is an object or a closure: a row
  // "(array) (object properties) in ServerResponse" says whose properties grew.
  const typeOf = (n: number): string => nodeTypes[nodes[n * nf + TYPE]!] ?? '?';
  const owned = new Set(['array', 'hidden', 'object shape', 'string', 'concatenated string', 'sliced string']);
  const ownerOf = (n: number): string => {
    let i = postOrder[n]!;
    for (let step = 0; step < 8 && i !== NONE && i !== rootIndex; step++) {
      i = dominator[i] === NONE ? rootIndex : dominator[i]!;
      const owner = byPostOrder[i]!;
      const type = typeOf(owner);
      if (type === 'object' || type === 'closure' || type === 'native') return className(owner);
    }
    return '(root)';
  };
  // Class ids, and each class's retained size once per dominator-tree path.
  const classIds = new Map<string, number>();
  const classOfNode = new Uint32Array(count);
  for (let n = 0; n < count; n++) {
    const name = owned.has(typeOf(n)) ? `${className(n)} in ${ownerOf(n)}` : className(n);
    let id = classIds.get(name);
    if (id === undefined) classIds.set(name, (id = classIds.size));
    classOfNode[n] = id;
  }
  const classes = [...classIds.keys()].map((name): ClassSummary => ({
    name,
    count: 0,
    selfBytes: 0,
    retainedBytes: 0,
  }));
  let totalBytes = 0;
  for (let n = 0; n < count; n++) {
    const c = classes[classOfNode[n]!]!;
    c.count++;
    c.selfBytes += self(n);
    totalBytes += self(n);
  }
  // Children of each node in the dominator tree, by post-order index.
  const firstChild = new Uint32Array(reached + 1);
  for (let i = 0; i < rootIndex; i++) firstChild[(dominator[i] === NONE ? rootIndex : dominator[i]!) + 1]!++;
  for (let i = 0; i < reached; i++) firstChild[i + 1]! += firstChild[i]!;
  const children = new Uint32Array(firstChild[reached]!);
  const slot = firstChild.slice(0, reached);
  for (let i = 0; i < rootIndex; i++) children[slot[dominator[i] === NONE ? rootIndex : dominator[i]!]!++] = i;
  // Depth-first over the dominator tree; `onPath` counts each class's instances above.
  const onPath = new Uint32Array(classes.length);
  const walk = new Uint32Array(reached);
  const cursor = new Uint32Array(reached);
  let depth = 0;
  walk[0] = rootIndex;
  cursor[0] = firstChild[rootIndex]!;
  onPath[classOfNode[ROOT]!]!++;
  while (depth >= 0) {
    const i = walk[depth]!;
    if (cursor[depth]! < firstChild[i + 1]!) {
      const child = children[cursor[depth]!++]!;
      const n = byPostOrder[child]!;
      const c = classOfNode[n]!;
      if (onPath[c] === 0) classes[c]!.retainedBytes += retained[n]!;
      onPath[c]!++;
      walk[++depth] = child;
      cursor[depth] = firstChild[child]!;
    } else {
      onPath[classOfNode[byPostOrder[i]!]!]!--;
      depth--;
    }
  }
  return { nodes: count, edges: edgeCount, totalBytes, classes: new Map(classes.map((c) => [c.name, c])) };
}

/** What grew per stream between two snapshots of one server, by class. */
export interface ClassGrowth {
  name: string;
  /** Per stream: instances, own bytes and retained bytes added. */
  count: number;
  selfBytes: number;
  retainedBytes: number;
}

/** Per-stream growth by class from `before` to `after` (`streams` opened between them). */
export function growth(before: SnapshotSummary, after: SnapshotSummary, streams: number): Map<string, ClassGrowth> {
  const out = new Map<string, ClassGrowth>();
  const empty: ClassSummary = { name: '', count: 0, selfBytes: 0, retainedBytes: 0 };
  for (const name of new Set([...before.classes.keys(), ...after.classes.keys()])) {
    const a = before.classes.get(name) ?? empty;
    const b = after.classes.get(name) ?? empty;
    out.set(name, {
      name,
      count: (b.count - a.count) / streams,
      selfBytes: (b.selfBytes - a.selfBytes) / streams,
      retainedBytes: (b.retainedBytes - a.retainedBytes) / streams,
    });
  }
  return out;
}
