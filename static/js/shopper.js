// The shopper's list of visits: what each visit's state is on this phone, and every
// visit form kept for offline use.
import { allVisits } from "./store.js";
import { format, timeText } from "./text.js";

const cards = [...document.querySelectorAll("[data-assignment]")];

async function showLocalStates() {
  const list = document.querySelector("[data-assignments]");
  if (!list) return;
  const messages = JSON.parse(list.dataset.messages || "{}");
  const byAssignment = new Map();
  for (const visit of await allVisits()) byAssignment.set(String(visit.assignmentId), visit);
  for (const card of cards) {
    const visit = byAssignment.get(card.dataset.assignment);
    const line = card.querySelector("[data-local-state]");
    if (!visit || !line) continue;
    if (visit.state === "sent") {
      line.textContent = format(messages.sent, { time: timeText(visit.receipt, card.dataset.timeZone) });
    } else if (visit.state === "outbox") {
      const reason = visit.lastError && visit.lastError !== "no connection"
        ? ` (${visit.lastError})` : "";
      line.textContent = messages.waiting + reason;
    } else {
      line.textContent = messages.saved_phone;
    }
  }
}

function keepFormsForOffline() {
  const urls = [...document.querySelectorAll("[data-assignment] a[href^='/visits/']")]
    .map((link) => link.getAttribute("href"));
  navigator.serviceWorker?.ready.then((registration) => {
    registration.active?.postMessage({ type: "keep-pages", urls: ["/shopper", ...urls] });
  });
}

showLocalStates();
keepFormsForOffline();
document.addEventListener("shopper:outbox", showLocalStates);
