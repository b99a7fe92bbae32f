// The job page's status line: what was saved, and what went wrong.

// say announces text; a problem goes out as an alert.
export function say(text, problem) {
  const status = document.querySelector('[data-testid="review-status"]');
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("review-problem", !!problem);
  status.setAttribute("role", problem ? "alert" : "status");
}
