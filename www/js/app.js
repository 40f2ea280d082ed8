// Boots the page: loads the module once (engine.js), then shows the screen
// the address names (#teller, #lobby, #cm, #head, #studio). Each screen module exports
// mount(section) and draws itself; they share state through store.js.

import { bi, clear } from "./dom.js";
import "./embed.js"; // listens for the teller system's messages from the first moment

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
const screenName = () => (location.hash.slice(1) in screens ? location.hash.slice(1) : "teller");

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
  const status = document.getElementById("pack-status");
  const showPack = () => {
    document.getElementById("version").textContent = engine.version() ? `nextbest ${engine.version()}` : "";
    clear(status).append(
      engine.liveIsCustom()
        ? bi("规则包：草稿（已通过编译）", "Pack: studio draft")
        : bi("规则包：内置", "Pack: bundled"),
    );
  };
  showPack();
  engine.onLiveChange(showPack);
  engine.onInfo(showPack);
  document.getElementById("boot").remove();
  window.addEventListener("hashchange", show);
  await show();
} catch (e) {
  console.error(e);
  await parsed;
  clear(document.getElementById("boot")).append(bi("页面加载失败", `The page failed to load: ${e?.message ?? e}`));
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
