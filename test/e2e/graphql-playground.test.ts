/**
 * The playground in headless Chromium with the network cut off from everything but localhost:
 * it must load entirely from this server's assets, run a preloaded query and show the result.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { EpochState } from "../../src/domain/index.js";
import { isLocalUrl, launchChromium } from "../helpers/browser.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { seedEpochs, type Seeded } from "../helpers/seed-epochs.js";

const ARTIFACTS = path.resolve(import.meta.dirname, "../artifacts");

describe("playground (headless Chromium, offline)", { timeout: 240_000 }, () => {
  let db: TestDatabase;
  let api: TestApi;
  let seed: Seeded;
  let browser: Browser;
  before(async () => {
    db = await createTestDatabase();
    seed = await seedEpochs(db.prisma);
    api = await startTestApi({ db });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await api?.stop();
    await db?.close();
  });

  it("serves the page to browsers at / and GET /graphql, and JSON to API clients", async () => {
    for (const p of ["/", "/graphql"]) {
      const res = await fetch(`${api.url}${p}`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
      assert.equal(res.status, 200, p);
      const html = await res.text();
      assert.match(html, /<div id="ruru-root">/);
      assert.doesNotMatch(html, /https?:\/\/(?!localhost|127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\/[^"]*\.(js|css)/i, "no asset from another host");
      assert.match(html, /query OpenWorkerWindows/);
    }
    const json = await fetch(`${api.url}/graphql`, { headers: { accept: "application/json" } });
    assert.equal(json.status, 400, "a GET without a query from an API client is not the playground");
  });

  it("loads with only localhost reachable, runs the preloaded open-windows query and shows the result", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const blocked: string[] = [];
    const failed: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (isLocalUrl(url)) return route.continue();
      blocked.push(url);
      return route.abort("internetdisconnected");
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("response", (r) => {
      if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) failed.push(`${r.status()} ${r.url()}`);
    });
    try {
      // "load", not "networkidle": the editor's bundle is large, and on a busy 2-core host (three test
      // files at a time, one of them another browser) an idle network can take longer than it should.
      await page.goto(`${api.url}/`, { waitUntil: "load", timeout: 90_000 });
      assert.equal(await page.title(), "epoch-windows GraphQL playground");
      await page.waitForSelector(".graphiql-query-editor .monaco-editor", { timeout: 60_000 });

      // Several operations are preloaded: the run button asks which one.
      await page.click(".graphiql-execute-button");
      const items = await page.locator("[role=menuitem]").allTextContents();
      assert.deepEqual(items, ["OpenWorkerWindows", "OpenReputerWindows", "OpenWindowsOfTopic", "Dashboard", "RecentTransitions"]);
      await page.getByRole("menuitem", { name: "OpenWorkerWindows" }).click();

      const open = seed.epochs.filter((e) => e.state === EpochState.WORKER_SUBMISSION);
      await page.waitForFunction(`/"totalCount":\\s*\\d+/.test(document.querySelector(".graphiql-response")?.textContent ?? "")`, null, { timeout: 30_000 });
      const result = (await page.textContent(".graphiql-response")) ?? "";
      assert.match(result, new RegExp(`"totalCount":\\s*${open.length}`));
      assert.match(result, /"isOpen":\s*true/);
      assert.ok(result.includes(`"${open[0]!.nonce}"`), "nonces are shown exactly, as strings");
      assert.doesNotMatch(result, /"errors"/);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, "playground.png") });
      assert.deepEqual(blocked, [], "the page tried to reach another host");
      assert.deepEqual(failed, [], "an asset failed to load");
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
