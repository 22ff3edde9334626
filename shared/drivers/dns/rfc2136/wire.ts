/** Largest offset a compression pointer can reach (14 bits). */
const MAX_POINTER_OFFSET = 0x3fff;

/** Splits a name (`web.example.org`, trailing dot optional, `''` or `.` for the root) into labels. */
export function nameLabels(name: string): string[] {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return [];
  const labels = trimmed.split('.');
  for (const label of labels) {
    if (label.length === 0 || label.length > 63) throw new RangeError(`invalid DNS name "${name}"`);
  }
  return labels;
}

/** The uncompressed, lower-cased wire form of a name, as RFC 8945 digests it. */
export function canonicalName(name: string): Uint8Array {
  const writer = new WireWriter();
  writer.name(name.toLowerCase(), false);
  return writer.bytes();
}

/**
 * Appends DNS wire data to a growing buffer. Names are compressed against every suffix written
 * before (the same greedy scheme BIND uses, so our bytes match `nsupdate`'s).
 */
export class WireWriter {
  #buffer = new Uint8Array(512);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;
  readonly #suffixes = new Map<string, number>();

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
    this.#view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.#reserve(1);
    this.#view.setUint8(this.#length, value);
    this.#length += 1;
  }

  u16(value: number): void {
    this.#reserve(2);
    this.#view.setUint16(this.#length, value);
    this.#length += 2;
  }

  u32(value: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value);
    this.#length += 4;
  }

  /** TSIG's 48-bit time signed. */
  u48(value: number): void {
    this.u16(Math.floor(value / 2 ** 32));
    this.u32(value % 2 ** 32);
  }

  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** Overwrites a 16-bit value already written (RDLENGTH once the RDATA is known). */
  patchU16(offset: number, value: number): void {
    this.#view.setUint16(offset, value);
  }

  name(name: string, compress = true): void {
    const labels = nameLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const pointer = compress ? this.#suffixes.get(suffix) : undefined;
      if (pointer !== undefined) {
        this.u16(0xc000 | pointer);
        return;
      }
      if (compress && this.#length <= MAX_POINTER_OFFSET) this.#suffixes.set(suffix, this.#length);
      const label = Buffer.from(labels[i] ?? '', 'latin1');
      this.u8(label.length);
      this.raw(label);
    }
    this.u8(0);
  }

  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }
}

/** Thrown for a message that cannot be parsed. */
export class WireFormatError extends Error {}

/** Reads DNS wire data, following compression pointers in names. */
export class WireReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #need(count: number): void {
    if (this.offset + count > this.#bytes.length) throw new WireFormatError('message truncated');
  }

  /** Reads `count` bytes at the offset with `read` and moves past them. */
  #take<T>(count: number, read: (at: number) => T): T {
    this.#need(count);
    const value = read(this.offset);
    this.offset += count;
    return value;
  }

  u8(): number {
    return this.#take(1, (at) => this.#view.getUint8(at));
  }

  u16(): number {
    return this.#take(2, (at) => this.#view.getUint16(at));
  }

  u32(): number {
    return this.#take(4, (at) => this.#view.getUint32(at));
  }

  u48(): number {
    const high = this.u16();
    return high * 2 ** 32 + this.u32();
  }

  raw(count: number): Uint8Array {
    return this.#take(count, (at) => this.#bytes.slice(at, at + count));
  }

  /** A name at the current offset, without the trailing dot; `''` is the root. */
  name(): string {
    const labels: string[] = [];
    let position = this.offset;
    let jumped = false;
    // Each pointer must go backwards, so a loop cannot hide in a hostile message.
    let limit = position;
    for (;;) {
      if (position >= this.#bytes.length) throw new WireFormatError('name runs past the message');
      const length = this.#bytes[position] ?? 0;
      if ((length & 0xc0) === 0xc0) {
        const target = ((length & 0x3f) << 8) | (this.#bytes[position + 1] ?? 0);
        if (!jumped) this.offset = position + 2;
        if (target >= limit) throw new WireFormatError('compression pointer does not point backwards');
        jumped = true;
        limit = target;
        position = target;
        continue;
      }
      if (length > 63) throw new WireFormatError(`unsupported label type 0x${length.toString(16)}`);
      position += 1;
      if (length === 0) break;
      if (position + length > this.#bytes.length) throw new WireFormatError('label runs past the message');
      labels.push(escapeLabel(this.#bytes.subarray(position, position + length)));
      position += length;
    }
    if (!jumped) this.offset = position;
    return labels.join('.');
  }
}

/** Presentation form of a label: dots, backslashes and unprintable bytes escaped as `\DDD`. */
function escapeLabel(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (byte <= 0x20 || byte >= 0x7f || byte === 0x2e || byte === 0x5c) {
      text += `\\${byte.toString().padStart(3, '0')}`;
    } else {
      text += String.fromCharCode(byte);
    }
  }
  return text;
}
