// Boots the page: loads the module once (engine.js), then shows the screen
// the address names (#teller, #lobby, #cm, #head, #studio). Each screen module exports
// mount(section) and draws itself; they share state through store.js.

import { bi, clear, h } from "./dom.js";
import { notify } from "./notices.js";
import "./embed.js"; // listens for the teller system's messages from the first moment
import * as sync from "./sync.js";
import * as store from "./store.js";

// Is there a branch server, and who is signed in? Asked at once, beside the engine's load.
const linked = sync.probe();

// Literal imports, so scripts/build-web.sh can bundle them (www/dist/app.js).
const screens = {
  teller: () => import("./teller.js"),
  lobby: () => import("./lobby.js"),
  cm: () => import("./cm.js"),
  head: () => import("./head.js"),
  studio: () => import("./studio.js"),
};
const mounted = {};
const loading = {};
const load = (name) => (loading[name] ??= screens[name]());
let allowed = Object.keys(screens); // signed in: the role's screens only (sync.SCREENS)
const screenName = () => (allowed.includes(location.hash.slice(1)) ? location.hash.slice(1) : allowed[0]);

// The first screen's module loads alongside the engine (it imports engine.js,
// so it runs once the engine is ready) and draws in the same task: no round
// trip and no frame of an empty page between the engine and the first pitch.
load(screenName()).catch(() => {}); // show() reports a failure

// index.html runs this script async, as soon as it has arrived, so the
// engine starts while the page is still parsed and first drawn; the page's
// elements are looked up once parsing is done.
const parsed = new Promise((resolve) =>
  document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", resolve, { once: true }) : resolve(),
);

try {
  const engine = await import("./engine.js");
  await parsed;
  const link = await linked;
  if (link.mode === "signed-out") {
    // A branch server, nobody signed in: the sign-in form and nothing else.
    document.querySelector("nav.tabs").hidden = true;
    document.getElementById("boot").remove();
    const section = h("section", { id: "signin", class: "screen" });
    document.querySelector("main").append(section);
    sync.signInForm(section);
    throw Symbol.for("nextbest:signin");
  }
  if (link.mode === "signed-in") await joinBranch(engine, link);
  const status = document.getElementById("pack-status");
  const showPack = () => {
    document.getElementById("version").textContent = engine.version() ? `nextbest ${engine.version()}` : "";
    const v = engine.publishedVersion();
    clear(status).append(
      v
        ? bi(`规则包：第 ${v.version} 版`, `Pack: version ${v.version}`)
        : engine.liveIsCustom()
          ? bi("规则包：草稿（已通过编译）", "Pack: studio draft")
          : bi("规则包：内置", "Pack: bundled"),
    );
    status.dataset.version = v ? String(v.version) : "";
  };
  showPack();
  engine.onLiveChange(showPack);
  engine.onInfo(showPack);
  document.getElementById("boot").remove();
  window.addEventListener("hashchange", show);
  await show();
} catch (e) {
  // The sign-in form (or an account with no screen) is all there is to show.
  if (e !== Symbol.for("nextbest:signin")) {
    console.error(e);
    await parsed;
    clear(document.getElementById("boot")).append(bi("页面加载失败", `The page failed to load: ${e?.message ?? e}`));
  }
}

async function show() {
  const name = screenName();
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const id of Object.keys(screens)) document.getElementById(id).hidden = id !== name;
  if (!mounted[name]) {
    const section = document.getElementById(name);
    try {
      const mod = await load(name);
      mounted[name] = mod;
      await mod.mount(section);
    } catch (e) {
      console.error(e);
      clear(section).append(bi("此页面出错", `This screen failed: ${e?.message ?? e}`, "p", { class: "error" }));
    }
  } else {
    mounted[name].refresh?.();
  }
  document.body.dataset.screen = name;
}

/**
 * Signed in to the branch server: this account's own store, the published
 * pack, the branch's customers, the role's screens, and the live link.
 */
async function joinBranch(engine, link) {
  const { user } = link;
  store.useKey(user.name);
  const shared = await import("./shared.js"); // how server records enter the store
  engine.useBranchContext(() => shared.branchContext());
  allowed = sync.SCREENS[user.role] ?? [];
  // Removed, not hidden: the tab bar's styles would show a hidden tab, and a screen that is not the role's has no place here.
  for (const tab of document.querySelectorAll("[data-tab]")) if (!allowed.includes(tab.dataset.tab)) tab.remove();
  const { presenceSelect } = await import("./staff.js");
  document.querySelector("header.top").append(...[presenceSelect(), sync.statusEl()].filter(Boolean));
  document.querySelector("footer.foot > span:last-child")?.replaceChildren(
    bi("客户数据只在本浏览器与本网点服务器之间", "Customer data stays between this browser and the branch server"),
  );
  if (!allowed.length) {
    document.getElementById("boot").remove();
    document.querySelector("main").append(
      bi("此账户不使用营销页面；账户在网点服务器上用 nextbest user 管理", "This account has no screen here: accounts are managed on the branch server with nextbest user", "p", { class: "card" }),
    );
    throw Symbol.for("nextbest:signin");
  }
  const pack = async () => {
    try {
      const p = await sync.getJson("packs/current");
      if (!p?.files) return;
      engine.usePublished({ files: p.files }, { version: p.version, hash: p.hash });
      sync.setPackVersion(p.version);
    } catch (e) {
      console.error("nextbest: the published pack could not be fetched", e);
      notify({ id: "pack", kind: "warn", zh: "未能取得网点发布的规则包，暂用内置规则包", en: `The branch's published pack could not be fetched; using the bundled one (${e?.message ?? e})` });
    }
  };
  const customers = async () => {
    const lists = [];
    if (["teller", "vip_teller", "lobby", "psm", "cm", "head"].includes(user.role)) lists.push("customers?list=hall");
    if (user.role === "cm") lists.push("customers?list=book");
    // A rule author reads no customer: backtests and previews use the bundled (synthetic) samples.
    if (!lists.length) return;
    try {
      const got = await Promise.all(lists.map((l) => sync.getJson(l)));
      const byId = new Map();
      for (const g of got) for (const c of g?.customers ?? []) byId.set(c.id, c);
      engine.useCustomers([...byId.values()]);
    } catch (e) {
      console.error("nextbest: the branch's customers could not be fetched", e);
      notify({ id: "customers", kind: "warn", zh: "未能取得网点客户名单", en: `The branch's customer lists could not be fetched (${e?.message ?? e})` });
    }
  };
  await Promise.all([pack(), customers()]);
  sync.onEvent("pack", () => pack());
  sync.onEvent("customers", () => customers());
  sync.listen();
  sync.flush();
}
