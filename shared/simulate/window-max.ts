/** Maximum over the last `size` values pushed (monotone deque: amortised O(1)). */
export class WindowMax {
  private readonly values: { i: number; v: number }[] = [];
  private pushed = 0;

  constructor(private readonly size: number) {}

  push(v: number): void {
    while (this.values.length > 0 && this.values.at(-1)!.v <= v) this.values.pop();
    this.values.push({ i: this.pushed++, v });
    while (this.values[0]!.i <= this.pushed - 1 - this.size) this.values.shift();
  }

  /** The maximum of the window; 0 before anything was pushed. */
  max(): number {
    return this.values[0]?.v ?? 0;
  }
}
