// Authoring help in the rule studio, in headless Chromium: completion, hover
// docs, the did-you-mean quick fix and the helper reference, all from the
// engine's helper table (wasm helpers()) and the draft being edited. What the
// page shows is compared with the table itself, read from the same module, so
// the test holds for whatever helpers the table declares.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { start, openPage, SHOTS } from "./harness.mjs";

const RULE = "xs_cash_deposit_time_deposit.rhai";
const PRODUCTS = JSON.parse(readFileSync(new URL("../../rules/products.json", import.meta.url), "utf8"));
const PACK = JSON.parse(readFileSync(new URL("../../rules/pack.json", import.meta.url), "utf8"));

let env, page, ctx, errors, helpers;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  env = await start();
  ({ page, ctx, errors } = await openPage(env, "studio"));
  page.setDefaultTimeout(10_000);
  await page.locator(".studio-file").first().waitFor();
  // The table as the engine declares it, from the page's own module.
  helpers = await page.evaluate(async () => {
    const glue = await import("./pkg/nextbest.js");
    await glue.default();
    return glue.helpers();
  });
  await openRule(RULE);
});
after(async () => {
  await ctx?.close();
  await env?.stop();
});

const helper = (name, kind) => helpers.find((x) => x.name === name && (!kind || x.kind === kind));
const completions = () => page.locator(".cm-tooltip-autocomplete");
const option = (label) => page.locator(".cm-tooltip-autocomplete li").filter({ has: page.locator(".cm-completionLabel", { hasText: new RegExp(`^${label.replace(/\./g, "\\.")}$`) }) });
const lineText = (n) => page.locator(".cm-content .cm-line").nth(n - 1).textContent();

async function openRule(file) {
  await page.locator(`.studio-file[data-file="${file}"]`).click();
  await page.locator(".studio-filename", { hasText: file }).waitFor();
}

/** A new empty line after line 6 (the rule's blank line), the cursor on it. */
async function freshLine() {
  await page.locator(".cm-content .cm-line").nth(5).click();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Home");
}

/** The text of the line the cursor is on. */
function cursorLine() {
  return page.evaluate(() => document.querySelector(".cm-activeLine")?.textContent ?? "");
}

/** Moves the mouse onto the `nth` occurrence of `word` in the editor's text. */
async function hoverWord(word, nth = 0) {
  // The page may still move (the status line changes when the draft goes live): aim where the word has settled.
  let box = await wordBox(word, nth);
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(150);
    const again = await wordBox(word, nth);
    if (again?.x === box?.x && again?.y === box?.y) break;
    box = again;
  }
  assert.ok(box, `${word} is in the editor`);
  await page.mouse.move(1, 1);
  await page.mouse.move(box.x, box.y, { steps: 4 });
}

function wordBox(word, nth) {
  return page.evaluate(
    ([word, nth]) => {
      const walker = document.createTreeWalker(document.querySelector(".cm-content"), NodeFilter.SHOW_TEXT);
      let seen = 0;
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        let at = -1;
        while ((at = n.data.indexOf(word, at + 1)) >= 0) {
          if (seen++ < nth) continue;
          const r = document.createRange();
          r.setStart(n, at);
          r.setEnd(n, at + word.length);
          const b = r.getBoundingClientRect();
          return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
        }
      }
      return null;
    },
    [word, nth],
  );
}

test("typing c.txn offers the customer's txn helpers with their Chinese description; accepting inserts the call", async () => {
  await freshLine();
  await page.keyboard.type("let t = c.txn");
  await completions().waitFor();
  const sum = helper("txn_sum", "method");
  assert.ok(sum, "the table has c.txn_sum");
  const row = option("txn_sum");
  await row.waitFor();
  // Beside the name: the return type and the table's Chinese description.
  const detail = await row.locator(".cm-completionDetail").textContent();
  assert.ok(detail.includes(sum.zh) && detail.includes(sum.returns), detail);
  // Every c. helper of the table, nothing of b.'s.
  const labels = await page.locator(".cm-tooltip-autocomplete .cm-completionLabel").allTextContents();
  const want = helpers.filter((x) => ["property", "method"].includes(x.kind) && x.name.includes("txn")).map((x) => x.name);
  assert.deepEqual([...labels].sort(), [...want].sort());
  await page.screenshot({ path: `${SHOTS}/authoring-complete.png` });
  await page.keyboard.type("_s");
  // The best match is selected, its docs beside the list: signature, returns, zh, en.
  await page.locator(".cm-completionInfo", { hasText: sum.signature }).waitFor();
  const info = await page.locator(".cm-completionInfo").innerText();
  for (const part of [sum.returns, sum.zh, sum.en]) assert.ok(info.includes(part), `${part} in ${info}`);
  await page.screenshot({ path: `${SHOTS}/authoring-complete-info.png` });
  await page.keyboard.press("Enter");
  assert.equal(await cursorLine(), "let t = c.txn_sum()");
  // The cursor is inside the brackets: the arguments come next.
  await page.keyboard.type('"cash_deposit", 30');
  assert.equal(await cursorLine(), 'let t = c.txn_sum("cash_deposit", 30)');
  await page.keyboard.press("End");
  await page.keyboard.type(";");
});

test("p. offers the draft's parameters, live: a parameter added to pack.json is offered at once", async () => {
  await freshLine();
  await page.keyboard.type("let q = p.large_ca");
  await option("large_cash_cny").waitFor();
  assert.match(await option("large_cash_cny").locator(".cm-completionDetail").textContent(), new RegExp(`= ${PACK.params.large_cash_cny}`));
  assert.equal(await option("authoring_limit_cny").count(), 0);
  await page.keyboard.press("Escape");
  await page.keyboard.type("sh_cny;");

  // The author adds a parameter to the draft's pack.json.
  await page.locator('.studio-file[data-file="pack.json"]').click();
  await page.locator(".studio-filename", { hasText: "pack.json" }).waitFor();
  const line = await page.locator(".cm-content .cm-line").evaluateAll((ls) => ls.findIndex((l) => /"params":\s*\{/.test(l.textContent)));
  assert.ok(line >= 0, "pack.json has params");
  await page.locator(".cm-content .cm-line").nth(line).click();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  // The editor closes quotes itself; typing the closing one steps over it.
  await page.keyboard.type('"authoring_limit_cny": 123456,');
  await page.getByTestId("problems").filter({ hasText: /没有问题|No problems|Problems/ }).waitFor();

  await openRule(RULE);
  await freshLine();
  await page.keyboard.type("let r = p.authoring");
  await option("authoring_limit_cny").waitFor();
  assert.match(await option("authoring_limit_cny").locator(".cm-completionDetail").textContent(), /= 123456/);
  await page.screenshot({ path: `${SHOTS}/authoring-param.png` });
  await page.keyboard.press("Enter");
  await page.keyboard.type(";");
  assert.equal(await cursorLine(), "let r = p.authoring_limit_cny;");
});

test('suggest(" offers the draft\'s product ids with their Chinese names', async () => {
  await freshLine();
  await page.keyboard.type('suggest("');
  await completions().waitFor();
  const first = PRODUCTS[0];
  const row = option(first.id);
  await row.waitFor();
  const detail = await row.locator(".cm-completionDetail").textContent();
  assert.ok(detail.includes(first.zh) && detail.includes(first.en), detail);
  const labels = await page.locator(".cm-tooltip-autocomplete .cm-completionLabel").allTextContents();
  assert.deepEqual([...labels].sort(), PRODUCTS.map((p) => p.id).sort());
  await page.keyboard.type(first.id.slice(0, 5));
  await page.screenshot({ path: `${SHOTS}/authoring-products.png` });
  await page.keyboard.press("Escape");
  // Leave the line as a complete statement, so later checks see only their own problems.
  await page.keyboard.press("Home");
  await page.keyboard.press("Shift+End");
  await page.keyboard.press("Delete");
});

test("hovering suggest shows its signature, return type and both descriptions; p.name its value and basis", async () => {
  const s = helper("suggest", "function");
  await hoverWord("suggest");
  const tip = page.locator(".cm-tooltip-hover", { hasText: s.signature });
  await tip.waitFor();
  const text = await tip.innerText();
  for (const part of [s.signature, s.returns, s.zh, s.en]) assert.ok(text.includes(part), `${part} in ${text}`);
  await page.screenshot({ path: `${SHOTS}/authoring-hover.png` });

  await hoverWord("large_cd_cny");
  const ptip = page.locator(".cm-tooltip-hover", { hasText: "p.large_cd_cny" });
  await ptip.waitFor();
  const ptext = await ptip.innerText();
  assert.ok(ptext.includes(String(PACK.params.large_cd_cny)), ptext);
  assert.ok(ptext.includes(PACK.basis.large_cd_cny.slice(0, 20)), ptext);
  await page.screenshot({ path: `${SHOTS}/authoring-hover-param.png` });

  // A product id in suggest("…"): its names in the draft's products.json.
  const deposit = PRODUCTS.find((x) => x.id === "dep.deposit");
  await hoverWord("dep.deposit");
  const idTip = page.locator(".cm-tooltip-hover", { hasText: deposit.zh });
  await idTip.waitFor();
  assert.ok((await idTip.innerText()).includes(deposit.en));

  await hoverWord("txn_max");
  await page.locator(".cm-tooltip-hover", { hasText: helper("txn_max", "method").signature }).waitFor();
  await page.mouse.move(1, 1);
});

test("a misspelt helper, parameter or product shows the did-you-mean diagnostic, and its quick fix puts the right name", async () => {
  await freshLine();
  await page.keyboard.type('let m = c.txn_summ("cash_deposit", 30);');
  const problems = page.getByTestId("problems");
  await problems.filter({ hasText: "did you mean c.txn_sum?" }).waitFor();
  await hoverWord("txn_summ");
  // Lint (c.txn_summ) and the compiler's whitelist (.txn_summ()) both say so; either fixes it.
  const fix = page.locator(".cm-tooltip-lint .cm-diagnosticAction", { hasText: "txn_sum" }).first();
  await fix.waitFor();
  assert.match(await fix.innerText(), /改为 txn_sum/);
  await page.screenshot({ path: `${SHOTS}/authoring-didyoumean.png` });
  await fix.click();
  assert.equal(await cursorLine(), 'let m = c.txn_sum("cash_deposit", 30);');
  await page.waitForFunction(() => !document.querySelector('[data-testid="problems"]').textContent.includes("txn_summ"));

  // A free function, checked by the compiler's whitelist: the same fix.
  await freshLine();
  await page.keyboard.type("let y = yaun(1);");
  await problems.filter({ hasText: "did you mean yuan()?" }).waitFor();
  await hoverWord("yaun");
  await page.locator(".cm-tooltip-lint .cm-diagnosticAction", { hasText: "yuan" }).first().click();
  assert.equal(await cursorLine(), "let y = yuan(1);");
  await page.waitForFunction(() => !document.querySelector('[data-testid="problems"]').textContent.includes("yaun"));

  // A parameter and a product id, named from the draft's pack.json and products.json.
  await freshLine();
  await page.keyboard.type("let k = p.large_cash_cnv;");
  await problems.filter({ hasText: "did you mean p.large_cash_cny?" }).waitFor();
  await hoverWord("large_cash_cnv");
  await page.locator(".cm-tooltip-lint .cm-diagnosticAction", { hasText: "large_cash_cny" }).first().click();
  assert.equal(await cursorLine(), "let k = p.large_cash_cny;");
  const product = PRODUCTS.find((x) => x.id === "dep.deposit");
  await freshLine();
  await page.keyboard.type('if false { suggest("dep.depost", "a", "b"); }');
  await problems.filter({ hasText: 'did you mean "dep.deposit"?' }).waitFor();
  await hoverWord("dep.depost");
  await page.locator(".cm-tooltip-lint .cm-diagnosticAction", { hasText: product.id }).first().click();
  assert.equal(await cursorLine(), 'if false { suggest("dep.deposit", "a", "b"); }');
  await page.waitForFunction(() => !document.querySelector('[data-testid="problems"]').textContent.includes("did you mean"));
});

test("the helper reference lists the table by kind, filters, and a click inserts at the cursor", async () => {
  await page.getByTestId("studio-tab-ref").click();
  const entries = page.getByTestId("helper-entry");
  assert.equal(await entries.count(), helpers.length);
  // Grouped by kind, the groups in the guide's order.
  const kinds = await page.locator(".helper-ref-group").evaluateAll((gs) => gs.map((g) => g.dataset.kind));
  const order = ["property", "method", "branch_property", "branch_method", "function", "suggestion", "std"];
  assert.deepEqual(kinds, order.filter((k) => helpers.some((x) => x.kind === k)));

  const search = page.getByTestId("helper-ref-search");
  await search.fill("txn_sum");
  const want = helpers.filter((x) => [x.name, x.signature, x.zh, x.en, x.returns].some((s) => s.toLowerCase().includes("txn_sum")));
  assert.equal(await entries.count(), want.length);
  // Chinese searches too.
  const sum = helper("txn_sum", "method");
  await search.fill(sum.zh.slice(0, 8));
  assert.ok((await entries.count()) >= 1);
  assert.ok((await entries.allInnerTexts()).every((t) => t.includes(sum.zh.slice(0, 8))));
  await search.fill("txn_sum");
  const entry = page.locator('[data-testid="helper-entry"][data-name="txn_sum"]');
  const text = await entry.innerText();
  for (const part of [sum.signature, sum.returns, sum.zh, sum.en]) assert.ok(text.includes(part), `${part} in ${text}`);

  await freshLine();
  await page.keyboard.type("let z = ");
  await entry.click();
  assert.equal(await cursorLine(), "let z = c.txn_sum");
  // Typed the receiver already: only the name goes in.
  await page.keyboard.type('("cash_deposit", 30) + c.');
  await page.keyboard.press("Escape");
  await search.fill("holds");
  await page.locator('[data-testid="helper-entry"][data-name="holds"]').click();
  assert.equal(await cursorLine(), 'let z = c.txn_sum("cash_deposit", 30) + c.holds');
  await search.fill("zzzz_nothing");
  await page.locator(".helper-ref-list", { hasText: "没有匹配的函数" }).waitFor();
  await search.fill("");
  await page.screenshot({ path: `${SHOTS}/authoring-reference.png` });
  await page.getByTestId("studio-tab-try").click();
  assert.equal(await page.getByTestId("run").isVisible(), true);
});

test("the table's functions are highlighted as built-ins, a rule's own function is not", async () => {
  const late = helpers.filter((x) => x.kind === "function").at(-1);
  await freshLine();
  await page.keyboard.type(`let w = ${late.name}(1); let v = own_fn(1);`);
  await page.keyboard.press("Escape");
  const weight = (word) =>
    page.evaluate((word) => {
      const span = [...document.querySelectorAll(".cm-activeLine span")].find((s) => s.textContent === word);
      return span ? getComputedStyle(span).fontWeight : null;
    }, word);
  assert.equal(await weight(late.name), "600");
  assert.notEqual(await weight("own_fn"), "600");
  await page.keyboard.press("Home");
  await page.keyboard.press("Shift+End");
  await page.keyboard.press("Delete");
});

test("no console errors", () => {
  assert.deepEqual(errors, []);
});
