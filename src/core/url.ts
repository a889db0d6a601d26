// URLs as rlt prints and accepts them: credentials and query values never reach a log or an error
// (a signed request carries `signature=` and `apiKey=`), and an endpoint URL that can never work is
// refused when the config is loaded instead of being retried.

const MASK = "***";
/** scheme://[userinfo@]rest, up to whitespace or a quote: how a URL sits inside a message. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * `url` with user and password replaced by `***` and every query value by `***`
 * (`https://***:***@host/p?signature=***&apiKey=***`). The rest is left as written, not normalized,
 * so the masked URL reads like the one the user typed.
 */
export function maskUrl(url: string): string {
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i, (_, scheme: string, userinfo: string) => `${scheme}${userinfo.includes(":") ? `${MASK}:${MASK}` : MASK}@`);
  out = out.replace(/\?([^#]*)/, (_, query: string) => `?${query.split("&").map((pair) => (pair.includes("=") ? `${pair.slice(0, pair.indexOf("="))}=${MASK}` : pair)).join("&")}`);
  return out;
}

/** `text` with every URL in it masked (error messages of fetch, WebSocket and binance-api-node). */
export function maskUrlsIn(text: string): string {
  // punctuation that ends a sentence or a parenthesis is the message's, not the URL's
  return text.replace(URL_IN_TEXT, (u) => {
    const tail = /[).,;:!?]+$/.exec(u)?.[0] ?? "";
    return maskUrl(u.slice(0, u.length - tail.length)) + tail;
  });
}

export type UrlKind = "http" | "ws";

const SCHEMES: Record<UrlKind, readonly string[]> = { http: ["http:", "https:"], ws: ["ws:", "wss:"] };
const MAX_PORT = 65_535;
/**
 * Ports Node's fetch refuses before connecting ("bad port"): the WHATWG Fetch standard's port
 * blocking list, https://fetch.spec.whatwg.org/#port-blocking. rlt's REST clock sync and bulk
 * downloads go through fetch, so an http(s) endpoint on one of these can never answer.
 */
const FETCH_BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389,
  427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665,
  6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
/** A DNS label (letters, digits, hyphens inside; `_` tolerated as container and compose names use it). */
const HOST_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;
const IPV4_LIKE = /^[\d.]+$/;

/**
 * Why `value` can never work as an exchange base URL of kind `kind`, or undefined when it may.
 * Only what no retry can fix is refused: a wrong scheme, a port outside 1–65535 (or, for http(s),
 * one that fetch blocks), a host that is not a host name or IP address, credentials (Binance
 * authenticates with API-key headers and signatures, never with user:password in the URL) and a
 * query string or fragment (rlt appends paths and query parameters itself). Refused connections
 * and unknown hosts stay temporary failures, retried.
 */
export function baseUrlProblem(value: string, kind: UrlKind): string | undefined {
  const schemes = SCHEMES[kind];
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(value)?.[1]?.toLowerCase();
  if (!scheme) return `not a URL: expected ${schemes.map((s) => `${s}//`).join(" or ")} followed by a host`;
  if (!schemes.includes(scheme)) return `the scheme ${scheme}// can never work here: use ${schemes.map((s) => `${s}//`).join(" or ")}`;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)![1];
  const at = authority.lastIndexOf("@");
  if (at >= 0) return "it carries credentials (user:password@): Binance never takes them in a URL; remove them";
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority)!;
  const host = portMatch[1];
  const port = portMatch[2];
  if (port !== undefined && port !== "") {
    if (!/^\d+$/.test(port)) return `the port "${port}" is not a number`;
    if (Number(port) < 1 || Number(port) > MAX_PORT) return `the port ${port} is out of range 1–${MAX_PORT}`;
    if (kind === "http" && FETCH_BLOCKED_PORTS.has(Number(port))) return `the port ${port} is one fetch never connects to (the Fetch standard's blocked "bad port" list); use another port`;
  }
  if (host === "") return "it has no host";
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return `the host "${host}" is not a host name or IP address`;
  }
  if (!host.startsWith("[")) {
    const labels = host.replace(/\.$/, "").split(".");
    const validName = !IPV4_LIKE.test(host) && labels.every((l) => HOST_LABEL.test(l));
    const validIpv4 = IPV4_LIKE.test(host) && labels.length === 4 && labels.every((l) => /^\d{1,3}$/.test(l) && Number(l) <= 255);
    if (!validName && !validIpv4) return `the host "${host}" is not a host name or IP address`;
  }
  if (parsed.search || parsed.hash || value.includes("?") || value.includes("#")) return "a base URL takes no query string or fragment: rlt appends paths and parameters itself";
  return undefined;
}
