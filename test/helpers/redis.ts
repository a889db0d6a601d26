// A private redis-server for the queue tests: Debian's package, on a free loopback port, nothing
// written to disk, stopped by the test. Skipped with one line where redis-server is not installed.
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { systemTool } from "./system-tools.ts";

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
/** A port picked free can be taken by another process before redis binds it: try a few. */
const PORT_TRIES = 5;

/** A running redis-server of its own, answering PING; undefined (after one line) when it is not installed. */
export async function startRedis(): Promise<TestRedis | undefined> {
  const tool = systemTool("redis-server", "apt-get install redis-server");
  if (!tool.available) return undefined;
  let lastError: unknown;
  for (let i = 0; i < PORT_TRIES; i++) {
    const port = await freePort();
    // --save "" and --appendonly no: nothing persisted, so a stopped instance leaves no file behind
    const child = spawn(tool.path!, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    try {
      await untilPong(port, child, () => output);
      return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopChild(child) };
    } catch (err) {
      lastError = err;
      await stopChild(child);
    }
  }
  throw lastError;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once redis answers +PONG on `port`; rejects when the process exits or after the timeout. */
async function untilPong(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < READY_TIMEOUT_MS) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}): ${output().slice(-500)}`);
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms: ${output().slice(-500)}`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      reply += d;
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
