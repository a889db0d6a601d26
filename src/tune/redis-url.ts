// The Redis address of `rlt tune --queue` and `rlt worker --queue`: parsed once into BullMQ's
// connection options, and probed with one PING before BullMQ connects (BullMQ's client retries a
// refused connection forever, so an address with no Redis behind it would hang instead of failing).
import net from "node:net";
import { RltError, UsageError } from "../core/errors.ts";
import { maskUrl } from "../core/url.ts";

export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** The address as given, with any password masked: what messages print. */
  masked: string;
}

const DEFAULT_PORT = 6379;
/** How long the probe waits for a connection and a reply: an unreachable address fails within this. */
export const PROBE_TIMEOUT_MS = 3000;
const FORM = "redis://host:port[/db] (for example redis://127.0.0.1:6379)";

/** `redis://[[user]:password@]host[:port][/db]` → connection fields; anything else is a UsageError naming `flag`. */
export function parseRedisUrl(url: string, flag = "--queue"): RedisAddress {
  const masked = maskUrl(url);
  const refuse = (why: string) => new UsageError(`${flag} ${masked}: ${why}`, { hint: `give the Redis address as ${FORM}` });
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw refuse("not a redis:// address");
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw refuse("not a valid address");
  }
  if (u.protocol === "rediss:") throw refuse("TLS (rediss://) is not supported; reach Redis over redis:// (a private network or an SSH tunnel)");
  if (u.protocol !== "redis:") throw refuse(`the scheme ${u.protocol}// is not Redis's`);
  if (!u.hostname) throw refuse("it has no host");
  if (u.search || u.hash) throw refuse("a Redis address takes no query string or fragment");
  const dbPart = u.pathname.replace(/^\//, "");
  if (dbPart !== "" && !/^\d{1,2}$/.test(dbPart)) throw refuse(`"/${dbPart}" is not a database number (0–15 on a default Redis)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    host,
    port: u.port ? Number(u.port) : DEFAULT_PORT,
    db: dbPart === "" ? 0 : Number(dbPart),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    masked,
  };
}

/** BullMQ's connection options for `addr` (maxRetriesPerRequest null: BullMQ's blocking commands need it). */
export function bullConnection(addr: RedisAddress) {
  return { host: addr.host, port: addr.port, db: addr.db, username: addr.username, password: addr.password, maxRetriesPerRequest: null };
}

/**
 * One connection to `addr`: AUTH when it carries a password, SELECT of its database, PING. Resolves
 * when Redis answers; otherwise an RltError naming the masked address with what to do, within
 * PROBE_TIMEOUT_MS (a refused connection, an unknown host, a server that is not Redis, a refused password).
 */
export async function probeRedis(addr: RedisAddress, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const commands: string[][] = [];
  if (addr.password !== undefined) commands.push(addr.username ? ["AUTH", addr.username, addr.password] : ["AUTH", addr.password]);
  if (addr.db !== 0) commands.push(["SELECT", String(addr.db)]);
  commands.push(["PING"]);
  const unreachable = (why: string, cause?: unknown) =>
    new RltError(`cannot reach Redis at ${addr.masked}: ${why}`, { hint: "start it (redis-server, or the service that runs it) or check the address and port given to --queue", cause });
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: addr.host, port: addr.port });
    let buffer = "";
    let answered = 0;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(unreachable(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.once("error", (err: NodeJS.ErrnoException) => finish(unreachable(err.code === "ECONNREFUSED" ? "connection refused" : err.code === "ENOTFOUND" ? "unknown host" : err.message, err)));
    socket.once("connect", () => socket.write(commands.map(encodeCommand).join("")));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      // every reply to these commands is one line: +OK / +PONG, or -ERR ...
      for (let nl = buffer.indexOf("\r\n"); nl >= 0; nl = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const command = commands[answered++]?.[0];
        if (line.startsWith("-")) {
          const msg = line.slice(1);
          if (/^(NOAUTH|WRONGPASS)/.test(msg) || command === "AUTH") {
            return finish(new UsageError(`Redis at ${addr.masked} refused the connection: ${msg}`, { hint: "give the password in the address: redis://:PASSWORD@host:port" }));
          }
          if (command === "SELECT") return finish(new UsageError(`Redis at ${addr.masked} has no database ${addr.db}: ${msg}`, { hint: "use a database number the server has (0–15 by default)" }));
          return finish(unreachable(`it answered ${msg}`));
        }
        if (!line.startsWith("+")) return finish(unreachable("the server there does not speak Redis's protocol"));
        if (answered === commands.length) return finish();
      }
    });
  });
}

function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}
