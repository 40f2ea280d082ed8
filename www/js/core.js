// What the engine does with the wasm module, in one place: the worker
// (worker.js) runs it, and so does the page itself when no worker can be
// made (engine.js, in-page fallback). Plain data in, plain data out, so the
// answers cross postMessage unchanged.

/** Milliseconds one customer may take, from a pack's pack.json text: `budgets.customer_ms`, 250 when absent. */
export const DEFAULT_CUSTOMER_MS = 250;
export function customerBudget(packJsonText) {
  try {
    const ms = JSON.parse(packJsonText ?? "null")?.budgets?.customer_ms;
    return typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_CUSTOMER_MS;
  } catch {
    return DEFAULT_CUSTOMER_MS;
  }
}

/** An Error as plain data: the fields the engine's errors carry (type, path, file, line, column, detail). */
export function plainError(e) {
  if (e === null || typeof e !== "object") return { message: String(e) };
  const out = { name: e.name, message: e.message ?? String(e) };
  for (const k of ["type", "path", "file", "line", "column", "detail", "kind"]) if (e[k] !== undefined) out[k] = e[k];
  return out;
}

/** The module trapped (unreachable, out-of-bounds memory, a Rust panic): its state can no longer be trusted. */
export function isTrap(e) {
  return e instanceof WebAssembly.RuntimeError || (e?.name === "RuntimeError" && /unreachable|out of bounds|wasm/i.test(e?.message ?? ""));
}

/**
 * The operations on one instance of the glue (../pkg/nextbest.js, initialised).
 * `load(pack)` compiles the live pack (null: the bundled one; a stored pack
 * that no longer compiles falls back to the bundled one, as before).
 */
export function createCore(glue) {
  let live = null;
  let info = null;
  let bt = null; // the backtest under way: {acc, customers, free()}
  let btSample = null; // the sample read into the module: {key, contract, customers}
  let btBase = null; // the pack in force, compiled: {key, nb} (the draft is compiled every run)

  function load(pack) {
    let nb = null;
    let custom = false;
    let failed = null;
    if (pack) {
      try {
        nb = new glue.NextBest(pack);
        custom = true;
      } catch (e) {
        failed = plainError(e);
      }
    }
    nb ??= new glue.NextBest(undefined);
    live?.free?.();
    live = nb;
    info = {
      custom,
      failed,
      version: glue.version(),
      products: nb.products(),
      manifest: nb.manifest(),
      customerMs: custom ? customerBudget(pack.files?.["pack.json"]) : null, // bundled: bundledBudget(), asked for after the first answer
    };
    return info;
  }

  return {
    load,
    evaluate: ({ customer, options }) => live.evaluate(customer, options),
    /** The customer manager's plan over a book (customer objects) on the day of `now` (Unix seconds). */
    contactPlan({ customers, now }) {
      const book = new glue.Customers(customers);
      try {
        return live.contactPlan(book, now);
      } finally {
        book.free?.();
      }
    },
    /** The live pack's rule headers (id, kind, zh, en…): names for the branch head's board. */
    rules: () => live.rules(),
    /** The branch head's board from records as JSON lines. */
    branchBoard: ({ jsonl }) => glue.branchBoard(jsonl),
    /** The bundled pack's budget (reads the whole bundled pack, so not on the first pitch's path). */
    bundledBudget: () => customerBudget(glue.bundledPack().files["pack.json"]),
    /** The studio: a draft compiled for one run, then freed. */
    runDraft({ pack, customer, options }) {
      const nb = new glue.NextBest(pack);
      try {
        return nb.evaluate(customer, options);
      } finally {
        nb.free?.();
      }
    },
    // The workbench's backtest, a chunk at a time (engine.js backtest()): both packs
    // compiled and the customers converted into the module once, in btStart. The
    // customers stay for the next run of the same sample under the same contract
    // (both packs' extra fields), the compiled pack in force for the next run of
    // the same pack; "the same" is the whole text compared, not a hash of it.
    btStart({ base, draft, sample, options }) {
      bt?.free();
      bt = null;
      const baseKey = base ? JSON.stringify(base) : "bundled";
      if (btBase?.key !== baseKey) {
        btBase?.nb.free?.();
        btBase = null; // freed: not kept if the new pack fails to compile
        btBase = { key: baseKey, nb: new glue.NextBest(base ?? undefined) };
      }
      const b = btBase.nb;
      const d = new glue.NextBest(draft ?? undefined);
      const contract = JSON.stringify([b.manifest()?.extra_fields ?? {}, d.manifest()?.extra_fields ?? {}]);
      // A generated sample is named by its size and seed; any other by its whole text.
      const source = sample?.generate
        ? { generate: [sample.generate.n, sample.generate.seed ?? 7] }
        : { text: typeof sample?.jsonl === "string" ? sample.jsonl : (sample?.customers ?? []).map((c) => JSON.stringify(c)).join("\n") };
      const same = btSample && btSample.contract === contract && (source.generate ? btSample.generate === source.generate.join(":") : btSample.text === source.text);
      if (!same) {
        btSample?.customers.free?.();
        btSample = null;
        // Read once into the module, under the contract both packs accept (a line the
        // engine refuses is an error naming the line and field, as `nextbest backtest` says it).
        // Every sample is read as the CLI reads its file, under the extra fields both packs declare.
        const text = source.generate ? glue.generateCustomers(source.generate[0], source.generate[1]) : source.text;
        let customers;
        try {
          customers = b.customersFromJsonl(d, text);
        } catch (e) {
          d.free?.();
          throw e;
        }
        btSample = { generate: source.generate?.join(":"), text: source.text, contract, customers };
      }
      const customers = btSample.customers;
      const acc = new glue.BacktestAcc(b, d, options ?? {});
      bt = {
        b,
        d,
        acc,
        customers,
        free() {
          for (const x of [acc, d]) x.free?.();
        },
      };
      return { customers: typeof customers.length === "function" ? customers.length() : customers.length };
    },
    btStep({ start, end }) {
      return bt.acc.add(bt.b, bt.d, bt.customers, start, end);
    },
    /** This worker's counts, to add to another's (btMerge); its backtest ends here. */
    btPart() {
      try {
        return bt.acc.part();
      } finally {
        bt.free();
        bt = null;
      }
    },
    btMerge({ part }) {
      bt.acc.merge(part);
      return true;
    },
    btFinish() {
      try {
        return bt.acc.finish(bt.b, bt.d);
      } finally {
        bt.free();
        bt = null;
      }
    },
    /** The generated sample's customers as JSON lines (the same text btStart read). */
    generated: ({ n, seed }) => glue.generateCustomers(n, seed ?? 7),
    runFixtures({ pack }) {
      const nb = new glue.NextBest(pack);
      try {
        return nb.runFixtures();
      } finally {
        nb.free?.();
      }
    },
  };
}
