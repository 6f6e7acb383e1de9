// Keyward's only script: modals, reveal and copy. Every page works without it, except
// revealing and copying a secret, where a browser API is the point.
"use strict";

// With script: the eye and Copy replace the plain "Show" of a new secret (keyward.css).
document.documentElement.classList.add("js");

function returnFocus(dialog) {
  const selector = dialog.dataset.returnFocus;
  const target = selector && document.querySelector(selector);
  if (target) target.focus();
}

// Server-rendered dialogs arrive `open` (so they work without JavaScript); make them real
// modals: focus kept inside, Escape closes, focus returns to the control that opened them.
function onDialogClose(dialog) {
  if ("removeOnClose" in dialog.dataset) {
    // A revealed secret leaves the page for good.
    dialog.remove();
  }
  returnFocus(dialog);
  const url = new URL(window.location.href);
  if (url.searchParams.has("dialog")) {
    url.searchParams.delete("dialog");
    url.searchParams.delete("row");
    window.history.replaceState(null, "", url);
  }
}

for (const dialog of document.querySelectorAll("dialog[data-modal][open]")) {
  // A secret shown once: Escape asks first, as it cannot be shown again. (On the key
  // itself: a dialog's own "cancel" may not be held back without a prior user gesture.)
  // Listened for on the whole document: after the question is answered the browser may
  // leave focus on the page body, and an Escape there must ask again, not close.
  if (dialog.dataset.confirmClose) {
    document.addEventListener(
      "keydown",
      (event) => {
        if (event.key !== "Escape" || !dialog.open) return;
        event.preventDefault();
        if (window.confirm(dialog.dataset.confirmClose)) dialog.close();
      },
      true,
    );
  }
  dialog.removeAttribute("open");
  dialog.showModal();
  const autofocus = dialog.querySelector("[autofocus]");
  if (autofocus) autofocus.focus();
  // Listen only after opening, so nothing queued by the switch to modal counts as a close.
  setTimeout(() => dialog.addEventListener("close", () => onDialogClose(dialog)), 0);
}

for (const link of document.querySelectorAll("[data-close-dialog]")) {
  link.addEventListener("click", (event) => {
    const dialog = link.closest("dialog");
    if (dialog) {
      event.preventDefault();
      dialog.close();
    }
  });
}

for (const button of document.querySelectorAll("[data-reveal]")) {
  button.addEventListener("click", () => {
    const input = document.getElementById(button.dataset.reveal);
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    button.setAttribute("aria-pressed", String(show));
    button.setAttribute("aria-label", show ? button.dataset.labelHide : button.dataset.labelShow);
  });
}

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    const status = button.closest("dialog, section, body").querySelector("[data-copy-status]");
    try {
      await navigator.clipboard.writeText(input.value);
      if (status) status.textContent = status.dataset.copied;
    } catch (error) {
      // Clipboard refused (insecure context, permissions): select the text for Ctrl+C.
      input.type = "text";
      input.select();
    }
  });
}

// A whole token pasted into a key search ("which key is this?"): search by its public id, so
// the secret never leaves this page (the server does the same if this script did not run).
for (const form of document.querySelectorAll("form.key-search")) {
  form.addEventListener("submit", () => {
    const input = form.querySelector("input[name=q]");
    const token = /^\s*kwd_([A-Za-z0-9]{16})_[A-Za-z0-9]{32}(?:[A-Za-z0-9]{6})?\s*$/.exec(input.value);
    if (token) input.value = token[1];
  });
}

// Radio choices that make other fields moot (a new operator invited by email needs no
// password here): hide those fields while the choice holds. Without script they stay, each
// saying when it counts.
const toggled = document.querySelectorAll("input[type=radio][data-shows], input[type=radio][data-hides]");
function syncToggled() {
  for (const radio of toggled) {
    const target = document.querySelector(radio.dataset.shows || radio.dataset.hides);
    if (target && radio.checked) target.hidden = !radio.dataset.shows;
  }
}
for (const radio of toggled) radio.addEventListener("change", syncToggled);
syncToggled();
