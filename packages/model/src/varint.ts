/**
 * Byte-level helpers of the binary state codec (format version 2): LEB128 varints whose first
 * byte can also carry a few low bits (a sign, a scale tag).
 *
 * The arithmetic never forms `magnitude * 2^k + low` as one number (that would leave the safe
 * integer range for large magnitudes); it splits the magnitude with exact divisions by powers of
 * two instead, so every safe integer round-trips exactly.
 */

/** Thrown by the reader for bytes the writer cannot have produced; the codec adds the context. */
export class VarintError extends Error {}

const TWO_POW_7 = 128;

export class ByteWriter {
  private buf = new Uint8Array(256);
  private at = 0;

  /** Starts over (the buffer is reused: one writer serves every encode, which is synchronous). */
  reset(): this {
    this.at = 0;
    return this;
  }

  byte(b: number): void {
    if (this.at === this.buf.length) this.grow();
    this.buf[this.at++] = b;
  }

  /**
   * Writes `magnitude` (a non-negative safe integer) with `low` (0 ≤ low < 2^lowBits, lowBits ≤ 6)
   * in the low bits of the first byte. Unsigned LEB128 of magnitude·2^lowBits + low.
   */
  varint(magnitude: number, low = 0, lowBits = 0): void {
    if (magnitude < 0x2000000) {
      // fast path, 32-bit arithmetic: magnitude·2^lowBits + low < 2^31
      let v = magnitude * (1 << lowBits) + low;
      while (v >= 0x80) {
        this.byte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.byte(v);
      return;
    }
    const firstSpan = 2 ** (7 - lowBits);
    let rest = Math.floor(magnitude / firstSpan);
    this.byte(((magnitude - rest * firstSpan) * 2 ** lowBits + low) | 0x80);
    while (rest > 0) {
      const next = Math.floor(rest / TWO_POW_7);
      const b = rest - next * TWO_POW_7;
      this.byte(next > 0 ? b | 0x80 : b);
      rest = next;
    }
  }

  /** A signed safe integer: sign in the first byte's lowest bit (sign-magnitude, no zigzag overflow). */
  signed(v: number, tag = 0, tagBits = 0): void {
    const negative = v < 0 ? 1 : 0;
    this.varint(negative ? -v : v, (tag << 1) | negative, tagBits + 1);
  }

  bytes(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) this.byte(b[i]!);
  }

  /** A copy of what was written, as a Buffer (ioredis sends it as raw bytes). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.at));
  }

  private grow(): void {
    const bigger = new Uint8Array(this.buf.length * 2);
    bigger.set(this.buf);
    this.buf = bigger;
  }
}

export class ByteReader {
  private at = 0;

  constructor(private readonly buf: Uint8Array, start = 0) {
    this.at = start;
  }

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  get offset(): number {
    return this.at;
  }

  byte(): number {
    if (this.at >= this.buf.length) throw new VarintError('truncated');
    return this.buf[this.at++]!;
  }

  /** The `low` bits of the last varint read (its sign and tag for `signed`). */
  low = 0;

  /** Reads what `ByteWriter.varint(magnitude, low, lowBits)` wrote; returns the magnitude, `low` in this.low. */
  varint(lowBits = 0): number {
    let b = this.byte();
    const payload = b & 0x7f;
    this.low = payload & ((1 << lowBits) - 1);
    let magnitude = payload >>> lowBits;
    let scale = 2 ** (7 - lowBits);
    while (b & 0x80) {
      b = this.byte();
      // 8 continuation bytes carry 56 bits beyond the first: more than any safe integer needs
      if (scale > Number.MAX_SAFE_INTEGER) throw new VarintError('varint too long');
      const chunk = b & 0x7f;
      if (chunk === 0 && !(b & 0x80)) throw new VarintError('varint not minimal');
      magnitude += chunk * scale;
      scale *= TWO_POW_7;
    }
    if (magnitude > Number.MAX_SAFE_INTEGER) throw new VarintError('varint beyond 2^53');
    return magnitude;
  }

  /** Reads what `ByteWriter.signed(v, tag, tagBits)` wrote; the tag is left in this.low. */
  signed(tagBits = 0): number {
    const magnitude = this.varint(tagBits + 1);
    const negative = this.low & 1;
    this.low >>>= 1;
    if (negative && magnitude === 0) throw new VarintError('negative zero');
    return negative ? -magnitude : magnitude;
  }

  bytes(n: number): Uint8Array {
    if (this.at + n > this.buf.length) throw new VarintError('truncated');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}
