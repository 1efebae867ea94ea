// ipywidgets gives slider handles, Play buttons and pictures no accessible name: each is named from
// what the page shows beside it (the slider's label, the button's icon, the picture's caption, which
// follows the picture and changes with it); a picture's box that scrolls sideways is a named Tab stop. One script for both front ends: Voilà's lstm template
// includes it in the page, and in JupyterLab lstm_widgets shows it with every explorer (it watches
// the page once, however many times it runs).
(function () {
  if (window.lstmNamesControls) return;
  window.lstmNamesControls = true;
  // A step view's cell diagram is 990 px wide: where its picture's box is narrower, the page shows
  // the diagram drawn 594 px wide instead (names and the stage lit; the numbers are in the panels
  // under it) rather than a box that scrolls sideways. Without this script the wide one shows.
  const style = document.createElement("style");
  style.id = "lstm-narrow-rule";
  style.textContent = `.lstm-picture-group {container-type: inline-size}
    @container (max-width: 989.5px) {
      .lstm-narrow-only {display: flex !important}
      .lstm-wide-only {display: none !important}
    }`;
  document.head.appendChild(style);
  const ICONS = {"fa-play": "play", "fa-pause": "pause", "fa-stop": "stop", "fa-retweet": "repeat"};
  function set(el, attr, value) {
    if (value && el.getAttribute(attr) !== value) el.setAttribute(attr, value);
  }
  function name() {
    pending = false;
    for (const box of document.querySelectorAll(".widget-slider")) {
      const label = box.querySelector(".widget-label");
      for (const handle of box.querySelectorAll("[role='slider']")) {
        set(handle, "aria-label", label ? label.textContent.trim() : "");
      }
      // one Tab stop per slider: the handle (arrow keys move it); the number beside it can still
      // be clicked and typed into, but Tab no longer stops there a second time
      for (const readout of box.querySelectorAll(".widget-readout")) {
        set(readout, "tabindex", "-1");
      }
    }
    for (const img of document.querySelectorAll("img.widget-image")) {
      // a picture shown in parts (its plots wrap under its diagram in a narrow window): the
      // caption after the group describes every part, so the first part carries it and the
      // others are marked as belonging to it (an empty alt: read once, not four times)
      const group = img.closest(".lstm-picture-group");
      const first = img.closest(".lstm-narrow-only") ||
        (group && group.querySelector("img.widget-image") === img);  // one shows at a time
      if (group && !first) {
        if (img.getAttribute("alt") !== "") img.setAttribute("alt", "");
        continue;
      }
      const caption = (group || img.closest(".lstm-picture") || img).nextElementSibling;
      set(img, "alt", (caption && caption.textContent.trim()) || "a picture of the lesson");
    }
    // a picture wider than the window keeps its size and its box scrolls sideways: that box is a
    // Tab stop with a name (arrow keys scroll it), and only while it scrolls
    // (a lesson's text can be too: a formula that does not break, in a narrow window)
    for (const box of document.querySelectorAll(".lstm-picture, .jp-RenderedMarkdown")) {
      if (box.scrollWidth > box.clientWidth + 1) {
        const what = box.classList.contains("lstm-picture") ? "picture" : "text";
        set(box, "tabindex", "0");
        set(box, "role", "region");
        set(box, "aria-label", `${what}, wider than the window: scroll sideways to see all of it`);
      } else if (box.hasAttribute("tabindex")) {
        for (const attr of ["tabindex", "role", "aria-label"]) box.removeAttribute(attr);
      }
    }
    for (const button of document.querySelectorAll(".widget-play button")) {
      const icon = button.querySelector("i");
      for (const [cls, word] of Object.entries(ICONS)) {
        if (icon && icon.classList.contains(cls)) set(button, "aria-label", word);
      }
    }
  }
  let pending = false;
  function soon() {
    if (!pending) { pending = true; requestAnimationFrame(name); }
  }
  function watch() {
    new MutationObserver(soon).observe(document.body,
      {subtree: true, childList: true, characterData: true});
    window.addEventListener("resize", soon);  // a narrower window or another zoom
    soon();
  }
  if (document.body) watch(); else document.addEventListener("DOMContentLoaded", watch);
})();
