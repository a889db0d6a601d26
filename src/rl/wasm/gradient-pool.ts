// The second (and further) cores for the wasm-simd learner: each worker thread instantiates the same
// kernels over the same shared memory and, when the main thread bumps the generation word, runs the
// loss and gradient of its own rows of the minibatch (its job descriptor), then reports done. The main
// thread runs thread 0's rows meanwhile and sums the gradients in a fixed order, so a given thread count
// always gives the same weights. Waiting is a short spin, then Atomics.wait: a minibatch takes well under
// a millisecond, so a wake-up through the OS alone would cost a noticeable share of it.
import { Worker } from "node:worker_threads";
import { InternalError } from "../../core/errors.ts";
import type { KernelExports } from "./kernels.ts";
import type { Layout } from "./layout.ts";

const GEN = 0;
const STOP = 1;
const DONE = 2;
const SPINS = 20_000;
/** A worker that has not answered in this long is dead (its job takes under a millisecond). */
const WORKER_TIMEOUT_MS = 60_000;

// Plain CommonJS: evaluated as a worker's whole program, so it needs no loader for TypeScript.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, job, thread } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("kernel abort"); } } }).exports;
const words = new Int32Array(memory.buffer, control, ${DONE} + thread + 1);
let seen = 0;
for (;;) {
  let gen = Atomics.load(words, ${GEN});
  for (let spins = 0; gen === seen; spins++) {
    if (spins > ${SPINS}) Atomics.wait(words, ${GEN}, seen, 1000);
    gen = Atomics.load(words, ${GEN});
  }
  seen = gen;
  if (Atomics.load(words, ${STOP})) break;
  let result = gen;
  try { kernels.ppoGrad(job); } catch (err) { result = -gen; }
  Atomics.store(words, ${DONE} + thread, result);
  Atomics.notify(words, ${DONE} + thread);
}
`;

export class GradientPool {
  private readonly words: Int32Array;
  private readonly workers: Worker[];
  private gen = 0;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly layout: Layout,
  ) {
    this.words = new Int32Array(memory.buffer, layout.control, DONE + layout.threads.length);
    this.words.fill(0);
    this.workers = layout.threads.slice(1).map((t, i) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: layout.control, job: t.job, thread: i + 1 } });
      worker.unref();
      return worker;
    });
  }

  /** Every thread's job: the workers' on their threads, thread 0's here; returns when all are done. */
  run(kernels: KernelExports): void {
    const gen = ++this.gen;
    Atomics.store(this.words, GEN, gen);
    Atomics.notify(this.words, GEN);
    kernels.ppoGrad(this.layout.threads[0].job);
    for (let t = 1; t < this.layout.threads.length; t++) {
      const at = DONE + t;
      const t0 = Date.now();
      let spins = 0;
      for (;;) {
        const done = Atomics.load(this.words, at);
        if (done === gen) break;
        if (done === -gen) throw new InternalError(`gradient worker ${t} failed inside the kernels`);
        if (++spins > SPINS) {
          Atomics.wait(this.words, at, done, 100);
          if (Date.now() - t0 > WORKER_TIMEOUT_MS) throw new InternalError(`gradient worker ${t} has not answered in ${WORKER_TIMEOUT_MS / 1000} s`);
        }
      }
    }
  }

  close(): void {
    Atomics.store(this.words, STOP, 1);
    Atomics.store(this.words, GEN, ++this.gen);
    Atomics.notify(this.words, GEN);
    for (const w of this.workers) void w.terminate();
  }
}
