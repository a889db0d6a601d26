// Debian's headless Chromium through playwright-core, with the flags this closed network needs, and
// everything a page test asserts on: console errors, page errors and requests leaving file:/data:.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { systemTool } from "./system-tools.ts";

export const CHROMIUM = process.env.RLT_CHROMIUM ?? "/usr/bin/chromium";

/** Whether browser tests can run here (skipped with one line otherwise; a failure under RLT_REQUIRE_TOOLS). */
export const chromiumTool = systemTool(CHROMIUM, "apt-get update && apt-get install -y chromium");

export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface OpenedPage {
  browser: Browser;
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  foreignRequests: string[];
}

export async function openInChromium(file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Browser tests need Debian's chromium: run "apt-get update && apt-get install -y chromium" (or set RLT_CHROMIUM).`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport });
  const opened: OpenedPage = { browser, page, consoleErrors: [], pageErrors: [], foreignRequests: [] };
  page.on("console", (msg) => {
    if (msg.type() === "error") opened.consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => opened.pageErrors.push(String(err)));
  page.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith("file://") && !url.startsWith("data:")) opened.foreignRequests.push(url);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return opened;
}
