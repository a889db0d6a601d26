// Waiting in tests for something another process or the event loop does: poll, never sleep a fixed time
// (a loaded 2-core machine is slow, a quiet one fast).

/** Resolve once `cond` holds, checking every `intervalMs`; fail naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean, timeoutMs: number, intervalMs = 25): Promise<void> {
  for (const t0 = Date.now(); !cond(); ) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
