// The workbench's backtest in headless Chromium (issue 12's speed figure):
// the studio's backtest of the bundled pack against itself over 10,000
// generated customers (both packs compiled, the customers generated and read
// into the module once, evaluated in chunks in the backtest's worker), timed
// by the page from the Run click to the result. Runs it `--runs` times with the
// per-rule clock off and on; prints the figures and writes
// target/bench/backtest_browser.json.
//   node tests/bench/backtest_browser.mjs [--runs N]
// Needs www/pkg and www/dist (scripts/build-wasm.sh, scripts/build-web.sh) and /usr/bin/chromium.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start, openPage } from "../e2e/harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 3) || 3;

const env = await start();
const result = { customers: 10000, packs: 2, runs: {} };
try {
  const { page } = await openPage(env, "studio", { viewport: { width: 1366, height: 900 } });
  await page.locator(".studio-file").first().waitFor();
  await page.getByTestId("bt-sample").selectOption("generated");
  for (const timing of [false, true]) {
    const ms = [];
    if (timing) await page.getByTestId("bt-timing").check();
    else await page.getByTestId("bt-timing").uncheck();
    for (let i = 0; i < runs; i++) {
      await page.getByTestId("bt-run").click();
      await page.getByTestId("bt-status").filter({ hasText: /完成|失败/ }).waitFor({ timeout: 300_000 });
      const status = page.getByTestId("bt-status");
      if (!/完成/.test(await status.textContent())) throw new Error(await status.textContent());
      ms.push(Number(await status.getAttribute("data-ms")));
    }
    ms.sort((a, b) => a - b);
    result.runs[timing ? "timing" : "no_timing"] = { ms, median: ms[Math.floor(ms.length / 2)] };
    console.log(`backtest_browser: 10,000 customers × 2 packs in Chromium, per-rule clock ${timing ? "on " : "off"}: median ${ms[Math.floor(ms.length / 2)]} ms (runs: ${ms.join(", ")}); target < 1000 ms: ${ms[Math.floor(ms.length / 2)] < 1000 ? "met" : "NOT met"}`);
  }
} finally {
  await env.stop();
}
mkdirSync(path.join(root, "target/bench"), { recursive: true });
writeFileSync(path.join(root, "target/bench/backtest_browser.json"), JSON.stringify(result, null, 2));
