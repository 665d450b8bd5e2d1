/**
 * The live dashboard in headless Chromium, offline but for localhost: it renders open windows and
 * counts, and a transition committed by the test appears without a reload.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { EpochTransition, TransitionSource } from "../../src/domain/index.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { PrismaSettledLogReader } from "../../src/db/settled-log-reader.js";
import { startLiveTransitions, type LiveTransitions } from "../../src/pubsub/live-transitions.js";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import { isLocalUrl, launchChromium } from "../helpers/browser.js";
import { API_KEYS, VIEWER_KEY } from "../helpers/credentials.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const ARTIFACTS = path.resolve(import.meta.dirname, "../artifacts");

describe("dashboard (headless Chromium, offline)", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let store: LifecycleStore;
  let live: LiveTransitions;
  let api: TestApi;
  let browser: Browser;
  before(async () => {
    db = await createTestDatabase();
    store = new LifecycleStore(db.prisma);
    live = await startLiveTransitions(db.url, new PrismaSettledLogReader(db.prisma), { pollIntervalMs: 200, bufferLimit: 1000 });
    api = await startTestApi({ db: db.prisma, feed: live.feed });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await api?.stop();
    await live?.stop();
    await db?.close();
  });

  it("shows open windows and counts, then streams a new transition in without a reload", async () => {
    const settings = { epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 };
    const t1 = await store.topics.create(db.prisma, { id: 41n, ...settings });
    const first = await store.startEpoch(t1!.id, Date.now(), TransitionSource.API);

    const context = await browser.newContext({ viewport: { width: 1300, height: 800 } });
    const blocked: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (isLocalUrl(url)) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${api.url}/dashboard`);
    await page.waitForSelector("#status.live", { timeout: 15_000 });
    await page.waitForSelector('#worker-windows tr[data-topic="41"]', { timeout: 15_000 });
    assert.equal(await page.textContent('#counts [data-state="WORKER_SUBMISSION"] b'), "1");

    // Committed by the test, outside the page: it must appear live, with no reload.
    await store.applyTransition({ ...first.epoch, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.API, dueAt: null });
    const t2 = await store.topics.create(db.prisma, { id: 42n, ...settings });
    await store.startEpoch(t2!.id, Date.now(), TransitionSource.API);
    await page.locator("#transitions tr", { hasText: "CLOSE_WORKER_WINDOW" }).first().waitFor({ timeout: 15_000 });
    await page.waitForSelector('#worker-windows tr[data-topic="42"]', { timeout: 15_000 });
    assert.equal(await page.locator('#worker-windows tr[data-topic="41"]').count(), 0, "the closed window left the list");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard.png"), fullPage: true });
    assert.deepEqual(blocked, [], "no request left localhost");
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
  it("with auth required, asks for a credential, then works with one given in the link's fragment", async () => {
    const secured = await startTestApi({
      db: db.prisma,
      feed: live.feed,
      security: { authenticator: await createAuthenticator({ apiKeys: API_KEYS, queries: "required" }) },
    });
    after(() => secured.stop());
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));

    await page.goto(`${secured.url}/dashboard`);
    await page.waitForSelector("#sign-in:not([hidden])", { timeout: 15_000 });
    assert.equal(await page.textContent("#status"), "credential required");

    // A wrong key typed into the form is refused, and the page says so.
    await page.fill("#credential", "not-a-key");
    await page.click("#sign-in button");
    await page.waitForSelector("#sign-in:not([hidden])", { timeout: 15_000 });
    await page.locator("#status", { hasText: "credential refused" }).waitFor({ timeout: 15_000 });

    // A viewer key in the fragment: queries and the subscription authenticate; the key leaves the URL.
    await page.goto("about:blank"); // a fragment-only change would not load the page again
    await page.goto(`${secured.url}/dashboard#key=${VIEWER_KEY}`);
    await page.waitForSelector("#status.live", { timeout: 15_000 });
    assert.equal(new URL(page.url()).hash, "");
    assert.equal(await page.isHidden("#sign-in"), true);
    const t = await store.topics.create(db.prisma, { id: 43n, epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 });
    await store.startEpoch(t!.id, Date.now(), TransitionSource.API);
    await page.waitForSelector('#transitions tr:has-text("OPEN_WORKER_WINDOW") >> nth=0', { timeout: 15_000 });
    await page.waitForSelector('#worker-windows tr[data-topic="43"]', { timeout: 15_000 });
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
});
