// The compare slider of the image stage: the overlay left of a divider,
// the plain photo right of it. The slider's value is where the divider
// stands, in percent of the stage's width (100: the overlay everywhere), so
// that it stays on screen whatever the zoom; the drawing (.stage-ink, the
// overlay and its crop) is clipped at the image point under it.

// clipInk clips stage's drawing at its slider's divider, for the
// stage's geometry g (zoom.js): W the stage's width, fw the fitted image's,
// tx and z the transform.
export function clipInk(stage, g) {
  const input = stage.querySelector('input[data-testid="compare"]');
  const ink = stage.querySelector(".stage-ink");
  const divider = stage.querySelector('[data-testid="stage-divider"]');
  if (!input || !ink) return;
  const p = Number(input.value) / 100;
  if (!(p < 1)) {
    ink.style.clipPath = "";
    if (divider) divider.hidden = true;
    return;
  }
  // The image's fraction left of the divider.
  const x = Math.min(Math.max((p * g.W - g.tx) / (g.z * g.fw), 0), 1);
  ink.style.clipPath = "inset(0 " + ((1 - x) * 100).toFixed(4) + "% 0 0)";
  if (divider) {
    divider.hidden = false;
    divider.style.left = (p * 100).toFixed(4) + "%";
  }
}

// wireCompare makes the slider of stage apply as it moves; replace places
// the stage again (zoom.js), which clips the drawing.
export function wireCompare(stage, replace) {
  const input = stage.querySelector('input[data-testid="compare"]');
  if (!input) return;
  const say = () => input.setAttribute("aria-valuetext", input.value === "100" ? "overlay everywhere" : input.value === "0" ? "photo everywhere" : "overlay on the left " + input.value + "%, photo on the right");
  say();
  input.addEventListener("input", () => { say(); replace(); });
}
