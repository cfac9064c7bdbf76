const ALIGN = 64; // cache-line alignment: every block starts on its own line, SIMD loads never straddle
const PAGE = 65536;

interface Block {
  offset: number;
  size: number;
}

/**
 * A first-fit allocator over the module's linear memory, run from JavaScript: models and data sets are laid
 * out here once, and the kernels only ever receive offsets. Freed blocks are coalesced and reused; the
 * memory grows when nothing fits (WebAssembly memory never shrinks).
 */
export class Arena {
  private readonly free: Block[] = [];
  private readonly used = new Map<number, number>(); // offset → size of every block handed out
  private top: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.top = alignUp(heapBase);
  }

  /** Reserves `bytes` (rounded up to 64) and returns the offset of the block. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, alignUp(bytes));
    const index = this.free.findIndex((block) => block.size >= size);
    let offset: number;
    if (index >= 0) {
      const block = this.free[index]!;
      offset = block.offset;
      if (block.size === size) this.free.splice(index, 1);
      else Object.assign(block, { offset: offset + size, size: block.size - size });
    } else {
      offset = this.bump(size);
    }
    this.used.set(offset, size);
    return offset;
  }

  /** Returns a block from `alloc` (same size) to the free list; anything else is a bug and throws. */
  release(offset: number, bytes: number): void {
    const size = Math.max(ALIGN, alignUp(bytes));
    if (this.used.get(offset) !== size) throw new Error(`internal: release of ${bytes} bytes at ${offset}, which this arena did not hand out`);
    this.used.delete(offset);
    if (offset + size === this.top) {
      this.top = offset;
      const last = this.free.at(-1);
      if (last && last.offset + last.size === this.top) {
        this.top = last.offset;
        this.free.pop();
      }
      return;
    }
    const at = this.free.findIndex((block) => block.offset > offset);
    const index = at < 0 ? this.free.length : at;
    this.free.splice(index, 0, { offset, size });
    this.coalesce(index);
  }

  /** Blocks handed out and not released: what the tests count to see that nothing leaked. */
  get usedBlocks(): number {
    return this.used.size;
  }

  /** Bytes of linear memory the module holds now. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private bump(size: number): number {
    const offset = this.top;
    const end = offset + size;
    if (end > 4 * 1024 ** 3) throw new RangeError(`out of WebAssembly memory: ${end} bytes needed, 4 GiB is the limit`);
    const missing = end - this.memory.buffer.byteLength;
    if (missing > 0) {
      try {
        this.memory.grow(Math.ceil(missing / PAGE));
      } catch {
        throw new RangeError(`out of WebAssembly memory: the runtime refused to grow it to ${end} bytes`);
      }
    }
    this.top = end;
    return offset;
  }

  private coalesce(index: number): void {
    const next = this.free[index + 1];
    const block = this.free[index]!;
    if (next && block.offset + block.size === next.offset) {
      block.size += next.size;
      this.free.splice(index + 1, 1);
    }
    const previous = this.free[index - 1];
    if (previous && previous.offset + previous.size === block.offset) {
      previous.size += block.size;
      this.free.splice(index, 1);
    }
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
