/** A small seeded generator (mulberry32) so that every test tensor is reproducible from its seed. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  floats(count: number, lo = -1, hi = 1): Float32Array {
    const a = new Float32Array(count);
    for (let i = 0; i < count; i++) a[i] = this.uniform(lo, hi);
    return a;
  }

  normals(count: number, scale = 1): Float32Array {
    const a = new Float32Array(count);
    for (let i = 0; i < count; i++) a[i] = scale * this.normal();
    return a;
  }
}
