// The engine's dedicated worker: loads the wasm module and the live pack and
// answers one request at a time ({id, op, args} → {id, ok} | {id, error} |
// {id, trap}). The page (engine.js) holds the watchdog: a request that runs
// past its deadline gets this worker terminated and a new one started, so no
// rule can freeze the teller's screen. A trap (WebAssembly.RuntimeError)
// is reported as such and the page replaces the worker: a module that trapped
// is not called again.

import init, * as glue from "../pkg/nextbest.js";
import { createCore, plainError, isTrap } from "./core.js";

let core = null;
// Test hooks (tests/e2e): only when the page was opened with ?test-hooks,
// which it says in "init". Otherwise "hook" does nothing.
let hooks = null;
let ruleFiles = []; // the loaded pack's files, for a hook that hangs only with a given rule

const ops = {
  async init({ module, pack, hooks: enable }) {
    // The page compiles the module from its preload and sends it; without it, fetch it here.
    await init({ module_or_path: module ?? new URL("../pkg/nextbest_bg.wasm", import.meta.url) });
    core = createCore(glue);
    hooks = enable ? { ...enable } : null;
    ruleFiles = Object.keys(pack?.files ?? {});
    return pack === false ? { version: glue.version() } : core.load(pack);
  },
  load: ({ pack }) => ((ruleFiles = Object.keys(pack?.files ?? {})), core.load(pack)),
  evaluate: (args) => (testHook("evaluate"), core.evaluate(args)),
  bundledBudget: () => core.bundledBudget(),
  contactPlan: (args) => core.contactPlan(args),
  rules: () => core.rules(),
  branchBoard: (args) => core.branchBoard(args),
  runDraft: (args) => (testHook("run"), core.runDraft(args)),
  runFixtures: (args) => (testHook("run"), core.runFixtures(args)),
  btStart: (args) => core.btStart(args),
  btStep: (args) => core.btStep(args),
  btPart: () => core.btPart(),
  btMerge: (args) => core.btMerge(args),
  btFinish: () => core.btFinish(),
  hook: (args) => (hooks ? ((hooks = { ...args }), true) : false),
};

/**
 * hang: runs forever, as a rule that defeats the operation limit would (with
 * `rule`: only while the pack has that rule). trap: throws what a trapped
 * module throws, and every call after it too, as a module whose memory is
 * no longer sound would: only a new worker answers again.
 */
function testHook(kind) {
  if (!hooks) return;
  if (hooks.hang === kind && (!hooks.rule || ruleFiles.includes(`${hooks.rule}.rhai`))) for (;;);
  if (hooks.trap === kind || hooks.trapped) {
    hooks.trapped = true;
    throw new WebAssembly.RuntimeError("unreachable (test hook)");
  }
}

// One at a time, in order: the page may send a request right behind "init",
// which must wait for the module to be ready.
let chain = Promise.resolve();
self.onmessage = ({ data: { id, op, args } }) => {
  chain = chain.then(async () => {
    try {
      if (!Object.hasOwn(ops, op)) throw new Error(`unknown op ${op}`);
      self.postMessage({ id, ok: await ops[op](args ?? {}) });
    } catch (e) {
      self.postMessage(isTrap(e) ? { id, trap: plainError(e) } : { id, error: plainError(e) });
    }
  });
};
