// "Copy link" copies the page's address, which holds its view; where the
// clipboard is refused it selects the link in a field instead.

export function copyLink(box) {
  const button = box.querySelector("button");
  const input = box.querySelector("input");
  const done = box.querySelector("[role=status]");
  const say = (text) => { done.textContent = text; };
  function fallback() {
    input.value = location.href;
    input.hidden = false;
    input.focus();
    input.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch { ok = false; }
    say(ok ? "Link copied" : "Link selected: press Ctrl+C (⌘C) to copy it");
  }
  button.addEventListener("click", () => {
    say("");
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(location.href)
        .then(() => { input.hidden = true; say("Link copied"); }, fallback);
    } else {
      fallback();
    }
  });
  box.hidden = false;
}
