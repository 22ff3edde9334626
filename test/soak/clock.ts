/** The soak's virtual time: every emulator and every `deps.now` reads it, nothing waits on it. */
export class Clock {
  constructor(public ms: number) {}

  now(): Date {
    return new Date(this.ms);
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
