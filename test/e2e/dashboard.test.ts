/**
 * The live dashboard in headless Chromium, offline but for localhost, against real API processes:
 * the timeline draws a bar per open window with its readable nonce, its now line moves, a committed
 * transition recolours a bar without a reload, a topic focus filters every panel (history loaded
 * from the query API and paged back), a fresh database shows what to do first, and axe finds no
 * serious or critical accessibility problem. Screenshots go to test/artifacts/.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { EpochState, EpochTransition, TransitionSource, UINT64_MAX, computeWindows } from "../../src/domain/index.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { PrismaSettledLogReader } from "../../src/db/settled-log-reader.js";
import { startLiveTransitions, type LiveTransitions } from "../../src/pubsub/live-transitions.js";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import { isLocalUrl, launchChromium } from "../helpers/browser.js";
import { API_KEYS, VIEWER_KEY } from "../helpers/credentials.js";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { startTestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { waitFor } from "../helpers/lifecycle.js";

// Browser globals, for the callbacks that run in the page (this project compiles without the DOM lib).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dom = any;
declare const document: Dom, window: Dom, location: Dom, navigator: Dom;
declare function getComputedStyle(el: Dom): { backgroundColor: string };

const ARTIFACTS = path.resolve(import.meta.dirname, "../artifacts");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
// Generous: on a loaded 2-core machine a page, its API process and axe share the CPU with others.
const WAIT = { timeout: 60_000 };
const readable = (nonce: string) => `v${BigInt(nonce) >> 56n}/${BigInt(nonce) & ((1n << 56n) - 1n)}`;

interface Opened {
  context: BrowserContext;
  page: Page;
  /** Requests that tried to leave localhost, and answers of 400 or more: both must stay empty. */
  blocked: string[];
  failed: string[];
  pageErrors: string[];
}

async function open(browser: Browser, url: string, width: number): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const blocked: string[] = [];
  const failed: string[] = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (isLocalUrl(u)) return route.continue();
    blocked.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("response", (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  await page.goto(url);
  return { context, page, blocked, failed, pageErrors };
}

async function closeClean(o: Opened): Promise<void> {
  assert.deepEqual(o.blocked, [], "no request left localhost");
  assert.deepEqual(o.failed, [], "no request failed");
  assert.deepEqual(o.pageErrors, []);
  await o.context.close();
}

/** axe-core's serious and critical findings (contrast, names, roles…), injected into the page. */
async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")) }));
  });
  return found
    .filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical")
    .map((v: { id: string; impact: string; nodes: string[] }) => `${v.id} (${v.impact}): ${v.nodes.join(", ")}`);
}

/** The timeline's bars of one topic as the page shows them. */
function barsOf(page: Page, topic: string) {
  return page.$$eval(`#timeline .bar[data-topic="${topic}"]`, (els) =>
    els
      .map((el) => ({ kind: el.getAttribute("data-kind"), nonce: el.getAttribute("data-nonce"), text: el.textContent, phase: el.getAttribute("data-phase") }))
      .sort((a, b) => `${a.kind}${a.nonce}`.localeCompare(`${b.kind}${b.nonce}`)));
}

describe("dashboard (headless Chromium, offline)", { timeout: 900_000 }, () => {
  let db: TestDatabase;
  let store: LifecycleStore;
  let live: LiveTransitions;
  let browser: Browser;
  before(async () => {
    db = await createTestDatabase();
    store = new LifecycleStore(db.prisma);
    live = await startLiveTransitions(db.url, new PrismaSettledLogReader(db.prisma), { pollIntervalMs: 200, bufferLimit: 1000 });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await live?.stop();
    await db?.close();
  });

  it("with demo data: timeline, live recolouring, topic focus, history paging, 1400 and 390 px", async (t) => {
    // The real API process, running the demo topics with its in-process scheduler.
    const demo: ApiProcess = await spawnApi(db.url, { DEMO: "true", RUN_WORKER: "true" });
    after(() => demo.stop());
    // A topic of our own with long windows, so its bars hold still while we look: two epochs
    // whose worker windows overlap, reputer windows due in 5 minutes (the page shows 15 ahead).
    await demo.gql(`mutation { createTopic(input: { id: "777", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 }) { id } }`);
    const a: string = (await demo.gql(`mutation { startEpoch(topicId: "777") { nonce } }`)).startEpoch.nonce;
    const b: string = (await demo.gql(`mutation { startEpoch(topicId: "777") { nonce } }`)).startEpoch.nonce;

    // The extremes: the largest topic id, and a legacy (version 0) nonce due to open in a minute.
    const big = { epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 };
    await store.topics.create(db.prisma, { id: UINT64_MAX, ...big });
    await store.epochs.insert(db.prisma, { topicId: UINT64_MAX, nonce: 5000n, state: EpochState.INIT, windows: computeWindows(big, Date.now() + 60_000) });

    await t.test("a bar per open window, labelled with the readable nonce; overlap on separate tracks", async () => {
      const o = await open(browser, `${demo.url}/dashboard?ahead=900`, 1400);
      const { page } = o;
      await page.waitForSelector("#status.live", WAIT);
      await page.waitForFunction(() => document.querySelectorAll('#timeline .bar[data-topic="777"]').length === 4, null, WAIT);
      assert.deepEqual(await barsOf(page, "777"), [
        { kind: "reputer", nonce: a, text: "v1/1", phase: "upcoming" },
        { kind: "reputer", nonce: b, text: "v1/2", phase: "upcoming" },
        { kind: "worker", nonce: a, text: "v1/1", phase: "open" },
        { kind: "worker", nonce: b, text: "v1/2", phase: "open" },
      ]);
      const tops = await page.$$eval('#timeline .bar.worker[data-topic="777"]', (els: Dom[]) => els.map((el) => el.style.top));
      assert.notEqual(tops[0], tops[1], "overlapping windows are drawn on separate tracks");

      // The demo topics: whatever the API says is open has an open bar (windows open and close
      // every few seconds, so compare until one look at both agrees).
      const drawn = await waitFor("the open bars to match the API's open windows", async () => {
        const d = await demo.gql("{ w: openWorkerWindows(first: 500) { edges { node { topicId nonce } } } r: openReputerWindows(first: 500) { edges { node { topicId nonce } } } }");
        const api = [
          ...d.w.edges.map((e: Dom) => `worker ${e.node.topicId}/${e.node.nonce}`),
          ...d.r.edges.map((e: Dom) => `reputer ${e.node.topicId}/${e.node.nonce}`),
        ].sort();
        const bars: string[] = await page.$$eval("#timeline .bar.open, #timeline .bar.closing-late", (els: Dom[]) =>
          els.map((el) => `${el.dataset.kind} ${el.dataset.topic}/${el.dataset.nonce}`).sort());
        return api.length > 4 && JSON.stringify(api) === JSON.stringify(bars) && bars;
      }, 60_000, 200);
      assert.ok(drawn.filter((d) => / 900[1-4]\//.test(d)).length >= 3, "demo topics are drawn");
      const labels = await page.$$eval("#timeline .bar", (els) => els.map((el) => [el.getAttribute("data-nonce"), el.getAttribute("data-label"), el.getAttribute("aria-label")]));
      for (const [nonce, label, aria] of labels) {
        assert.equal(label, readable(nonce!));
        assert.ok(aria!.includes(`epoch ${label}`), aria!);
      }
      assert.deepEqual(await page.$$eval(".lane-label", (els) => els.map((el) => el.getAttribute("data-topic"))), ["777", "9001", "9002", "9003", "9004", "18446744073709551615"]);
      assert.deepEqual(await barsOf(page, "18446744073709551615"), [
        { kind: "reputer", nonce: "5000", text: "v0/5000", phase: "upcoming" },
        { kind: "worker", nonce: "5000", text: "v0/5000", phase: "upcoming" },
      ]);

      // Focus (keyboard) shows the epoch's details: state, full nonce.
      await page.locator(`#timeline .bar.worker[data-topic="777"][data-nonce="${a}"]`).focus();
      await page.locator("#details:not([hidden])", { hasText: a }).waitFor(WAIT);
      assert.match(await page.textContent("#details") ?? "", /WORKER_SUBMISSION/);
      await page.keyboard.press("Escape");
      await page.waitForSelector("#details[hidden]", { state: "attached", ...WAIT });

      assert.deepEqual(await seriousA11yViolations(page), []);
      await closeClean(o);
    });

    await t.test("the now line moves; a committed transition recolours its bar without a reload", async () => {
      const o = await open(browser, `${demo.url}/dashboard?ahead=900`, 1400);
      const { page } = o;
      await page.waitForSelector("#status.live", WAIT);
      const bar = `#timeline .bar.worker[data-topic="777"][data-nonce="${a}"]`;
      await page.waitForSelector(`${bar}[data-phase="open"]`, WAIT);
      const timeOrigin = await page.evaluate(() => performance.timeOrigin);

      // Time passes: the now line's instant advances and the bars slide left under it.
      const now0 = Number(await page.getAttribute("#timeline .now-line", "data-now"));
      const left0 = parseFloat(await page.$eval(bar, (el: Dom) => el.style.left));
      await page.waitForFunction(([sel, n0, l0]) => {
        const now = Number(document.querySelector("#timeline .now-line").dataset.now);
        return now > (n0 as number) + 1000 && parseFloat(document.querySelector(sel).style.left) < (l0 as number) - 0.5;
      }, [bar, now0, left0] as const, WAIT);
      // Paused, the axis holds still and the line itself moves across it.
      await page.click("#pause");
      const x0 = Number(await page.getAttribute("#timeline .now-line", "data-x"));
      await page.waitForFunction((x) => Number(document.querySelector("#timeline .now-line").dataset.x) > x + 0.5, x0, WAIT);
      await page.click("#pause");

      const before = await page.$eval(bar, (el: Dom) => getComputedStyle(el).backgroundColor);
      await demo.gql(`mutation($n: NonceV2!) { applyEpochTransition(topicId: "777", nonce: $n, transition: CLOSE_WORKER_WINDOW) { state } }`, { n: a });
      await page.waitForSelector(`${bar}[data-phase="closed"]`, WAIT);
      await page.locator('#transitions tr[data-topic="777"][data-transition="CLOSE_WORKER_WINDOW"]').waitFor(WAIT);
      await page.waitForFunction(([sel, bg]) => getComputedStyle(document.querySelector(sel)).backgroundColor !== bg, [bar, before] as const, WAIT);
      assert.equal(await page.evaluate(() => performance.timeOrigin), timeOrigin, "no reload");
      assert.equal(await page.getAttribute(`#timeline .bar.worker[data-topic="777"][data-nonce="${b}"]`, "data-phase"), "open");
      assert.equal(await page.getAttribute(`#timeline .bar.reputer[data-topic="777"][data-nonce="${a}"]`, "data-phase"), "upcoming");
      await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-1400.png"), fullPage: true });
      await closeClean(o);
    });

    await t.test("a topic chosen by keyboard filters every panel; ?topic= loads its history and pages back", async () => {
      // 110 cancelled epochs of topic 778, three hours ago: 220 log records, more than one page.
      await store.topics.create(db.prisma, { id: 778n, epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 });
      const start = Date.now() - 3 * 3600_000;
      // Started and cancelled in one transaction each: the demo's scheduler would otherwise step these
      // overdue epochs between the two.
      for (let i = 0; i < 110; i++) {
        await store.transaction(async (tx) => {
          const { epoch } = await store.startEpochIn(tx, 778n, start + i * 10_000, TransitionSource.API);
          await store.applyTransitionIn(tx, { ...epoch, current: epoch, transition: EpochTransition.CANCEL, source: TransitionSource.API, dueAt: null, reason: "test" });
        });
      }

      const o = await open(browser, `${demo.url}/dashboard?ahead=900`, 1400);
      const { page } = o;
      await page.waitForSelector("#status.live", WAIT);
      await page.waitForSelector('.lane-label[data-topic="777"]', WAIT);
      // Tab reaches the lane title; Enter focuses the topic.
      let reached = false;
      for (let i = 0; i < 30 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await page.evaluate(() => document.activeElement?.matches('.lane-label[data-topic="777"]') ?? false);
      }
      assert.ok(reached, "the lane title is reachable with Tab");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => location.search.includes("topic=777"), null, WAIT);
      await page.waitForFunction(() => document.querySelectorAll(".lane-label").length === 1, null, WAIT);
      await page.waitForSelector('#counts [data-state="WAITING_GROUND_TRUTH"] b:text-is("1")', WAIT);
      assert.equal(await page.textContent('#counts [data-state="WORKER_SUBMISSION"] b'), "1");
      assert.equal(await page.textContent('#counts [data-state="COMPLETED"] b'), "0");
      await page.waitForFunction(() => document.querySelectorAll("#transitions tr").length === 3, null, WAIT);
      const shown = async (sel: string) => page.$$eval(sel, (els) => els.map((el) => el.getAttribute("data-topic")));
      assert.deepEqual(new Set(await shown("#transitions tr")), new Set(["777"]));
      assert.deepEqual(await shown("#worker-windows tr"), ["777"]);
      assert.deepEqual(await shown("#reputer-windows tr"), []);
      assert.deepEqual(new Set(await shown("#timeline .bar")), new Set(["777"]));
      assert.equal(await page.inputValue("#topic-select"), "777");
      await closeClean(o);

      // A fresh page on ?topic=778: its past comes from the query API (no event arrives for it).
      // Its lane says how many periodic starts a catch-up skipped.
      await db.prisma.$executeRawUnsafe(`UPDATE topic SET missed_starts = 3 WHERE id = u64_encode(778)`);
      const h = await open(browser, `${demo.url}/dashboard?topic=778`, 1400);
      await h.page.waitForSelector('.lane-label[data-topic="778"]:has-text("3 starts skipped")', WAIT);
      await h.page.waitForFunction(() => document.querySelectorAll("#transitions tr").length === 50, null, WAIT);
      const first = await h.page.$eval("#transitions tr", (tr) => [tr.getAttribute("data-topic"), tr.getAttribute("data-transition"), tr.querySelector(".nonce")!.textContent]);
      assert.deepEqual(first, ["778", "CANCEL", "v1/110"]);
      for (const rows of [100, 150, 200, 220]) {
        await h.page.locator("#older").focus();
        await h.page.keyboard.press("Enter");
        await h.page.waitForFunction((n) => document.querySelectorAll("#transitions tr").length === n, rows, WAIT);
      }
      await h.page.waitForSelector("#older[hidden]", { state: "attached", ...WAIT });
      const last = await h.page.$eval("#transitions tr:last-child", (tr) => [tr.getAttribute("data-transition"), tr.querySelector(".nonce")!.textContent, tr.querySelector(".nonce")!.getAttribute("title")]);
      assert.deepEqual(last, ["OPEN_WORKER_WINDOW", "v1/1", "72057594037927937"]);
      // Copying the readable nonce copies the exact value.
      await h.context.grantPermissions(["clipboard-read", "clipboard-write"]);
      await h.page.evaluate(() => {
        window.getSelection().selectAllChildren(document.querySelector("#transitions tr:last-child .nonce"));
        document.execCommand("copy");
      });
      assert.equal(await h.page.evaluate(() => navigator.clipboard.readText()), "72057594037927937");
      await closeClean(h);
    });

    await t.test("at 1400 px with the default range, and at 390 px: nothing overflows, no serious accessibility finding", async () => {
      const wide = await open(browser, `${demo.url}/dashboard`, 1400);
      await wide.page.waitForSelector("#status.live", WAIT);
      await wide.page.waitForSelector('#timeline .bar.open[data-topic="9004"]', WAIT);
      await wide.page.screenshot({ path: path.join(ARTIFACTS, "dashboard-timeline-1400.png") });
      await closeClean(wide);

      const o = await open(browser, `${demo.url}/dashboard`, 390);
      const { page } = o;
      await page.waitForSelector("#status.live", WAIT);
      await page.waitForSelector('#timeline .bar[data-topic="9001"]', WAIT);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal scroll");
      assert.deepEqual(await seriousA11yViolations(page), []);
      await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-390.png"), fullPage: true });
      const icon = await fetch(`${demo.url}/favicon.ico`);
      assert.equal(icon.status, 200);
      assert.deepEqual([...new Uint8Array(await icon.arrayBuffer()).subarray(0, 4)], [0, 0, 1, 0], "an ICO file");
      await closeClean(o);
    });
  });

  it("on a fresh database: says what to do first, then shows the first topic without a reload", async () => {
    const fresh = await createTestDatabase();
    after(() => fresh.close());
    const api = await spawnApi(fresh.url);
    after(() => api.stop());
    const o = await open(browser, `${api.url}/dashboard`, 390);
    const { page } = o;
    await o.context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.waitForSelector("#status.live", WAIT);
    await page.waitForSelector("#empty:not([hidden])", WAIT);
    assert.equal(await page.textContent("#demo-command"), "npm run demo");
    await page.click("#demo-command + button.copy");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "npm run demo");
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-empty-390.png"), fullPage: true });

    await api.gql(`mutation { createTopic(input: { id: "5", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300, active: true }) { id } }`);
    await page.waitForSelector("#empty[hidden]", { state: "attached", ...WAIT });
    await page.waitForSelector('#timeline .bar.worker.open[data-topic="5"][data-label="v1/1"]', WAIT);
    await closeClean(o);
  });

  it("with auth required, asks for a credential, then works with one given in the link's fragment", async () => {
    const secured = await startTestApi({
      db,
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
