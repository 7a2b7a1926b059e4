// The outbox: finished visits waiting on the phone until the server has them.
//
// An item leaves the outbox only when the server answered 201 or 200 for it. Any other
// answer, or no answer at all, keeps it, with the reason, to be tried again when the
// connection returns and on every app open. Each send fetches a fresh CSRF token first:
// the page that queued the visit may be hours old.

import { allVisits, deletePhoto, photosOfVisit, putPhoto, putVisit } from "./store.js";

let sending = null;

export async function freshToken() {
  const response = await fetch("/api/v1/csrf-token", {
    credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new SendError(`token: HTTP ${response.status}`, response.status);
  return (await response.json()).token;
}

export class SendError extends Error {
  constructor(message, status = 0, errors = null) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

async function uploadPhoto(photo, token) {
  const body = new FormData();
  body.append("file", photo.blob, `${photo.uuid}.jpg`);
  body.append("uuid", photo.uuid);
  body.append("visit_uuid", photo.visitUuid);
  const response = await fetch("/api/v1/photos", {
    method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": token },
  });
  if (response.status === 201 || response.status === 200) {
    photo.uploaded = true;
    await putPhoto(photo);
    return;
  }
  throw new SendError(`photo: HTTP ${response.status}`, response.status);
}

export function submission(visit) {
  const body = {
    uuid: visit.uuid,
    assignment_id: Number(visit.assignmentId),
    channel: visit.channel,
    started_at: visit.startedAt,
    ended_at: visit.endedAt,
    answers: visit.answers,
  };
  if (visit.position) body.position = visit.position;
  if (visit.positionStatus) body.position_status = visit.positionStatus;
  return body;
}

async function sendVisit(visit) {
  const token = await freshToken();
  for (const photo of await photosOfVisit(visit.uuid)) {
    if (!photo.uploaded) await uploadPhoto(photo, token);
  }
  const response = await fetch("/api/v1/visits", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token,
               Accept: "application/json" },
    body: JSON.stringify(submission(visit)),
  });
  if (response.status === 201 || response.status === 200) {
    const stored = await response.json();
    visit.state = "sent";
    visit.receipt = stored.submitted_at;
    visit.lastError = null;
    await putVisit(visit);
    for (const photo of await photosOfVisit(visit.uuid)) await deletePhoto(photo.uuid);
    return stored;
  }
  let detail = null;
  try { detail = await response.json(); } catch (error) { detail = null; }
  const reason = detail && (detail.messages || [detail.message]).join("; ");
  throw new SendError(reason || `HTTP ${response.status}`, response.status,
                      detail && detail.errors);
}

async function sendAll() {
  const results = [];
  const waiting = (await allVisits()).filter((visit) => visit.state === "outbox");
  for (const visit of waiting) {
    try {
      results.push({ visit, stored: await sendVisit(visit) });
    } catch (error) {
      const offline = !(error instanceof SendError);
      visit.lastError = offline ? "no connection" : error.message;
      await putVisit(visit);
      results.push({ visit, error });
    }
  }
  document.dispatchEvent(new CustomEvent("shopper:outbox", { detail: results }));
  return results;
}

// One send at a time (across tabs too, where the browser has Web Locks).
export function sendOutbox() {
  if (sending) return sending;
  const work = navigator.locks
    ? () => navigator.locks.request("shopper-outbox", sendAll)
    : sendAll;
  sending = work().finally(() => { sending = null; });
  return sending;
}

export async function saveDraftToServer(visit) {
  const token = await freshToken();
  const answers = {};
  const uploaded = new Set((await photosOfVisit(visit.uuid))
    .filter((photo) => photo.uploaded).map((photo) => photo.uuid));
  for (const [question, value] of Object.entries(visit.answers)) {
    if (Array.isArray(value)) {
      const refs = value.filter((ref) => uploaded.has(ref) || visit.serverRefs?.includes(ref));
      if (refs.length) answers[question] = refs;
    } else {
      answers[question] = value;
    }
  }
  const response = await fetch(`/api/v1/visits/${visit.uuid}/draft`, {
    method: "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify({ assignment_id: Number(visit.assignmentId), answers,
                           started_at: visit.startedAt }),
  });
  if (!response.ok) throw new SendError(`draft: HTTP ${response.status}`, response.status);
  return response.json();
}

export async function uploadPhotoNow(photo) {
  await uploadPhoto(photo, await freshToken());
}

export function registerServiceWorker() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }
}

export function startSync() {
  registerServiceWorker();
  window.addEventListener("online", () => { sendOutbox(); });
  sendOutbox();  // on every app open
}
