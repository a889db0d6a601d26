// Incremental technical indicators with the standard definitions (constant work per bar):
// EMA seeded with the SMA of its first N values (TA-Lib convention), Wilder's RSI, MACD(12, 26, 9) on
// EMAs, and Bollinger bands on the population standard deviation.

/** Exponential moving average, seeded with the simple mean of the first `period` values. */
export class Ema {
  private readonly alpha: number;
  private n = 0;
  private sum = 0;
  value = Number.NaN;

  constructor(readonly period: number) {
    this.alpha = 2 / (period + 1);
  }

  push(x: number): number {
    if (this.n < this.period) {
      this.sum += x;
      this.n++;
      if (this.n === this.period) this.value = this.sum / this.period;
      return this.value;
    }
    this.value = this.alpha * x + (1 - this.alpha) * this.value;
    return this.value;
  }
}

/** Wilder's RSI: averages seeded with the mean of the first `period` changes, then smoothed by 1/period. */
export class WilderRsi {
  private prev = Number.NaN;
  private n = 0;
  private gainSum = 0;
  private lossSum = 0;
  private avgGain = 0;
  private avgLoss = 0;
  value = Number.NaN;

  constructor(readonly period = 14) {}

  push(close: number): number {
    if (Number.isNaN(this.prev)) {
      this.prev = close;
      return this.value;
    }
    const change = close - this.prev;
    this.prev = close;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    if (this.n < this.period) {
      this.gainSum += gain;
      this.lossSum += loss;
      this.n++;
      if (this.n < this.period) return this.value;
      this.avgGain = this.gainSum / this.period;
      this.avgLoss = this.lossSum / this.period;
    } else {
      this.avgGain = (this.avgGain * (this.period - 1) + gain) / this.period;
      this.avgLoss = (this.avgLoss * (this.period - 1) + loss) / this.period;
    }
    this.value = this.avgLoss === 0 ? (this.avgGain === 0 ? 50 : 100) : 100 - 100 / (1 + this.avgGain / this.avgLoss);
    return this.value;
  }
}

export class Macd {
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signalEma: Ema;
  macd = Number.NaN;
  signal = Number.NaN;
  histogram = Number.NaN;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.fast = new Ema(fast);
    this.slow = new Ema(slow);
    this.signalEma = new Ema(signal);
  }

  push(close: number): void {
    const f = this.fast.push(close);
    const s = this.slow.push(close);
    if (Number.isNaN(s)) return;
    this.macd = f - s;
    this.signal = this.signalEma.push(this.macd);
    this.histogram = this.macd - this.signal;
  }
}

/** Bollinger bands over a ring buffer: the mean and population deviation are recomputed from the window. */
export class Bollinger {
  private readonly buf: Float64Array;
  private n = 0;
  private i = 0;
  middle = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;
  percentB = Number.NaN;

  constructor(
    readonly period = 20,
    readonly k = 2,
  ) {
    this.buf = new Float64Array(period);
  }

  push(x: number): void {
    this.buf[this.i] = x;
    this.i = (this.i + 1) % this.period;
    if (this.n < this.period) this.n++;
    if (this.n < this.period) return;
    let sum = 0;
    for (let j = 0; j < this.period; j++) sum += this.buf[j];
    const mean = sum / this.period;
    let ss = 0;
    for (let j = 0; j < this.period; j++) ss += (this.buf[j] - mean) ** 2;
    const sd = Math.sqrt(ss / this.period);
    this.middle = mean;
    this.upper = mean + this.k * sd;
    this.lower = mean - this.k * sd;
    this.percentB = sd === 0 ? 0.5 : (x - this.lower) / (this.upper - this.lower);
  }
}

/** Last `size` values, for lags and rolling sums. */
export class Ring {
  private readonly buf: Float64Array;
  private i = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }

  push(x: number): void {
    this.buf[this.i] = x;
    this.i = (this.i + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  /** Value `k` steps back (0 = the latest); NaN when not that many were pushed. */
  back(k: number): number {
    if (k >= this.count) return Number.NaN;
    const j = this.i - 1 - k;
    return this.buf[j < 0 ? j + this.size : j];
  }

  /** Sum of the values held (recomputed: exact, and the window is small). */
  sum(): number {
    let s = 0;
    for (let k = 0; k < this.count; k++) s += this.buf[k];
    return s;
  }

  max(): number {
    let m = -Infinity;
    for (let k = 0; k < this.count; k++) if (this.buf[k] > m) m = this.buf[k];
    return m;
  }
}

/** Rolling sum over the last `size` values, recomputed from the ring each time (exact, constant work). */
export class RollingSum {
  private readonly ring: Ring;
  constructor(readonly size: number) {
    this.ring = new Ring(size);
  }
  push(x: number): number {
    this.ring.push(x);
    if (this.ring.count < this.size) return Number.NaN;
    let s = 0;
    for (let k = 0; k < this.size; k++) s += this.ring.back(k);
    return s;
  }
}
