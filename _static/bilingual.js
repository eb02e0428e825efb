/* Language switch of VAE 강의: show the Korean (.ko) or the English (.en) prose blocks, or both.
 * The mode comes from ?lang=ko|en|both in the URL, else the reader's last choice, else the browser's
 * language. This file loads in <head>, before the page is drawn, so no other language flashes first;
 * without JavaScript both languages show, as in Jupyter and Colab. */
(() => {
  const BUTTONS = {  // `short` is the label on narrow screens
    ko: { label: "한국어", short: "한", title: "한국어만 보기" },
    en: { label: "English", short: "EN", title: "Show English only" },
    both: { label: "둘 다 · Both", short: "한·EN", title: "두 언어 모두 보기 · Show both languages" },
  };
  const MODES = Object.keys(BUTTONS);
  const KEY = "vae-course-lang";
  const root = document.documentElement;
  const pageLang = root.lang;

  const load = () => { try { return localStorage.getItem(KEY); } catch { return null; } };
  const save = (mode) => { try { localStorage.setItem(KEY, mode); } catch { /* storage blocked: keep the mode for this page */ } };

  function initialMode() {
    const asked = new URLSearchParams(location.search).get("lang");
    if (MODES.includes(asked)) {
      save(asked);
      return asked;
    }
    const saved = load();
    if (MODES.includes(saved)) return saved;
    const browser = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    return browser.toLowerCase().startsWith("ko") ? "ko" : "en";
  }

  /* Alt text written "한국어 · English" keeps only the reader's language. */
  function setAltTexts(mode) {
    for (const img of document.querySelectorAll("img[data-alt-both]")) {
      const [ko, en] = img.dataset.altBoth.split(" · ");
      img.alt = mode === "ko" ? ko : mode === "en" ? en : img.dataset.altBoth;
    }
  }

  function apply(mode) {
    root.dataset.lang = mode;
    root.lang = mode === "both" ? pageLang : mode;
    for (const button of document.querySelectorAll(".lang-switch button")) {
      button.setAttribute("aria-pressed", String(button.value === mode));
    }
    setAltTexts(mode);
  }

  function choose(mode) {
    save(mode);
    apply(mode);
    const url = new URL(location.href);
    if (url.searchParams.has("lang")) {
      url.searchParams.set("lang", mode);
      history.replaceState(history.state, "", url);
    }
  }

  function buildSwitch() {
    const group = document.createElement("div");
    group.className = "lang-switch";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "언어 · Language");
    for (const [mode, { label, short, title }] of Object.entries(BUTTONS)) {
      const button = document.createElement("button");
      button.type = "button";
      button.value = mode;
      button.lang = mode === "en" ? "en" : "ko";
      button.title = title;
      button.setAttribute("aria-label", label);
      button.innerHTML = `<span class="lang-long">${label}</span><span class="lang-short">${short}</span>`;
      button.addEventListener("click", () => choose(mode));
      group.append(button);
    }
    return group;
  }

  function setUp() {
    for (const lang of ["ko", "en"]) {
      for (const block of document.querySelectorAll(`.${lang}`)) block.lang = lang;
    }
    for (const img of document.querySelectorAll("img[alt]")) {
      if (img.alt.split(" · ").length === 2) img.dataset.altBoth = img.alt;
    }
    document.querySelector(".article-header-buttons")?.prepend(buildSwitch());
    apply(root.dataset.lang);
  }

  root.dataset.lang = initialMode();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
