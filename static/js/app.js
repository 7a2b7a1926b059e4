// On every page of a logged-in user: the service worker, the outbox, and log-out.
import { startSync } from "./sync.js";

document.documentElement.classList.add("js");
startSync();

// Pages kept for offline use belong to whoever was logged in: drop them at log-out.
// (Visits still waiting in the outbox stay on the phone: they are the shopper's work.)
const logout = document.querySelector("form[data-logout]");
if (logout) {
  logout.addEventListener("submit", () => {
    navigator.serviceWorker?.controller?.postMessage({ type: "forget-pages" });
  });
}
