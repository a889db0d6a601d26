import { describe, expect, it } from "vitest";
import { baseUrlProblem, maskUrl, maskUrlsIn } from "./url.ts";

describe("maskUrl", () => {
  it("hides user, password and every query value, keeping the rest as written", () => {
    expect(maskUrl("http://user:secret@127.0.0.1:1/x?apiKey=k&signature=abc")).toBe("http://***:***@127.0.0.1:1/x?apiKey=***&signature=***");
    expect(maskUrl("wss://token@fstream.binance.com/ws")).toBe("wss://***@fstream.binance.com/ws");
    expect(maskUrl("https://fapi.binance.com/fapi/v1/klines?symbol=BTCUSDT#frag")).toBe("https://fapi.binance.com/fapi/v1/klines?symbol=***#frag");
    expect(maskUrl("https://fapi.binance.com")).toBe("https://fapi.binance.com");
    expect(maskUrl("http://h/p?flag&k=v")).toBe("http://h/p?flag&k=***");
  });

  it("masks every URL inside a message and leaves other text alone", () => {
    const msg = "cannot reach http://u:p@h:1/a?apiKey=K1 (then https://x.io/b?signature=S2): fetch failed; did you mean x?";
    expect(maskUrlsIn(msg)).toBe("cannot reach http://***:***@h:1/a?apiKey=*** (then https://x.io/b?signature=***): fetch failed; did you mean x?");
    expect(maskUrlsIn("file:///work/a@b/c is missing")).toBe("file:///work/a@b/c is missing");
  });
});

describe("baseUrlProblem", () => {
  it("accepts what may work, including refused ports and unknown hosts (those are retried)", () => {
    for (const ok of ["https://fapi.binance.com", "http://127.0.0.1:9999", "ws://localhost:8765/", "wss://demo-fstream.binance.com", "http://[::1]:8765/proxy/fapi", "http://rlt_exchange:80", "http://no-such-host.invalid"]) {
      expect(baseUrlProblem(ok, ok.startsWith("ws") ? "ws" : "http"), ok).toBeUndefined();
    }
  });

  it("names why a URL can never work", () => {
    expect(baseUrlProblem("fapi.binance.com", "http")).toBe("not a URL: expected http:// or https:// followed by a host");
    expect(baseUrlProblem("ftp://h", "http")).toBe("the scheme ftp:// can never work here: use http:// or https://");
    expect(baseUrlProblem("https://fstream.binance.com", "ws")).toBe("the scheme https:// can never work here: use ws:// or wss://");
    expect(baseUrlProblem("http://127.0.0.1:70000", "http")).toBe("the port 70000 is out of range 1–65535");
    expect(baseUrlProblem("http://127.0.0.1:0", "http")).toBe("the port 0 is out of range 1–65535");
    expect(baseUrlProblem("http://127.0.0.1:1", "http")).toBe('the port 1 is one fetch never connects to (the Fetch standard\'s blocked "bad port" list); use another port');
    expect(baseUrlProblem("ws://127.0.0.1:1", "ws")).toBeUndefined(); // the ws client has no such list
    expect(baseUrlProblem("http://127.0.0.1:http", "http")).toBe('the port "http" is not a number');
    expect(baseUrlProblem("http://exa mple.com", "http")).toBe('the host "exa mple.com" is not a host name or IP address');
    expect(baseUrlProblem("http://-bad-.com", "http")).toBe('the host "-bad-.com" is not a host name or IP address');
    expect(baseUrlProblem("http://300.1.1.1", "http")).toBe('the host "300.1.1.1" is not a host name or IP address');
    expect(baseUrlProblem("http://:80", "http")).toBe("it has no host");
    expect(baseUrlProblem("http://user:pw@h", "http")).toBe("it carries credentials (user:password@): Binance never takes them in a URL; remove them");
    expect(baseUrlProblem("http://h/x?apiKey=1", "http")).toBe("a base URL takes no query string or fragment: rlt appends paths and parameters itself");
    expect(baseUrlProblem("http://h/x#top", "http")).toBe("a base URL takes no query string or fragment: rlt appends paths and parameters itself");
  });
});
