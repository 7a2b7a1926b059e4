// The visit form, made for a phone in a shop with a poor signal.
//
// Without this script the form is a plain HTML form. With it: answers are kept on the
// phone at every change (and on the server when online), questions appear and disappear
// as their show_if says, a stopwatch fills in wait times, the phone's position is asked
// for at the start, photos are shrunk before they are sent, and "Send visit" puts the
// visit in the outbox, which sends it now or as soon as the connection is back.

import { readNumber, symbolsFrom, writeNumber } from "./numbers.js";
import {
  deletePhoto, photosOfVisit, putPhoto, putVisit, visitsOfAssignment,
} from "./store.js";
import { saveDraftToServer, sendOutbox, uploadPhotoNow } from "./sync.js";
import { format, timeText } from "./text.js";

const form = document.getElementById("visit-form");
const messages = JSON.parse(form.dataset.messages);
const numberSymbols = symbolsFrom(form);  // the shopper's language, as the server reads it
const statusLine = document.querySelector("[data-sync-status]");
const questions = [...form.querySelectorAll("[data-question]")].map((element) => ({
  element,
  id: element.dataset.question,
  type: element.dataset.type,
  required: element.hasAttribute("data-required"),
  showIf: element.dataset.showIf ? JSON.parse(element.dataset.showIf) : null,
}));
const byId = new Map(questions.map((q) => [q.id, q]));
const MAX_EDGE = 1600;
let visit = null;
let serverSaveTimer = null;

function say(text, kind = "") {
  statusLine.textContent = text;
  statusLine.className = `sync-status ${kind}`;
}

// --- answers ----------------------------------------------------------------------------

function photoRefs(q) {
  const field = q.element.querySelector("[data-photo-refs]");
  return field && field.value ? field.value.split(/\s+/).filter(Boolean) : [];
}

function setPhotoRefs(q, refs) {
  q.element.querySelector("[data-photo-refs]").value = refs.join(" ");
}

function naChecked(q) {
  const box = q.element.querySelector("[data-na-for]");
  return Boolean(box && box.checked);
}

function numberText(q) {
  return q.element.querySelector("input.input-number").value;
}

function answerOf(q) {
  if (naChecked(q)) return "na";
  if (q.type === "yes_no" || q.type === "choice" || q.type === "scale") {
    const checked = q.element.querySelector("input[type=radio]:checked");
    if (!checked) return undefined;
    if (q.type === "scale" && checked.value !== "na") return Number.parseInt(checked.value, 10);
    return checked.value;
  }
  if (q.type === "number") {
    // Not a number is no answer either: localProblems() asks for one before sending.
    return readNumber(numberText(q), numberSymbols) ?? undefined;
  }
  if (q.type === "text") {
    const value = q.element.querySelector("textarea").value;
    return value.trim() ? value : undefined;
  }
  const refs = photoRefs(q);
  return refs.length ? refs : undefined;
}

function restoreAnswer(q, value) {
  if (value === undefined || value === null) return;
  const box = q.element.querySelector("[data-na-for]");
  if (value === "na" && box) {
    box.checked = true;
    return;
  }
  if (q.type === "yes_no" || q.type === "choice" || q.type === "scale") {
    let wanted = String(value);
    if (value === true) wanted = "yes";
    if (value === false) wanted = "no";
    for (const radio of q.element.querySelectorAll("input[type=radio]")) {
      radio.checked = radio.value === wanted;
    }
  } else if (q.type === "number") {
    q.element.querySelector("input.input-number").value = typeof value === "number"
      ? writeNumber(value, numberSymbols) : String(value);
  } else if (q.type === "text") {
    q.element.querySelector("textarea").value = value;
  } else if (Array.isArray(value)) {
    setPhotoRefs(q, value);
  }
}

// --- show_if, progress --------------------------------------------------------------------

// Visible when its show_if holds: the referenced question is itself visible and its
// answer is one of the values (spec/scoring.md section 2). Hidden questions are hidden,
// their inputs disabled, and their answers dropped.
function applyVisibility() {
  const visible = new Map();
  for (const q of questions) {
    let shown = true;
    if (q.showIf) {
      const target = q.showIf.question;
      const answer = visible.get(target) ? answerOf(byId.get(target)) : undefined;
      shown = answer !== undefined && q.showIf.values.map(String).includes(String(answer));
    }
    visible.set(q.id, shown);
    if (q.element.hidden === shown) {
      q.element.hidden = !shown;
      for (const input of q.element.querySelectorAll("input, textarea, button")) {
        if (!input.matches("[type=hidden]")) input.disabled = !shown;
      }
    }
  }
  return visible;
}

function collectAnswers(visible) {
  const answers = {};
  for (const q of questions) {
    if (!visible.get(q.id)) continue;
    const value = answerOf(q);
    if (value !== undefined) answers[q.id] = value;
  }
  return answers;
}

function updateProgress(visible, answers) {
  const required = questions.filter((q) => q.required && visible.get(q.id));
  const answered = required.filter((q) => answers[q.id] !== undefined).length;
  const box = document.querySelector("[data-progress]");
  box.hidden = false;
  box.querySelector("[data-progress-text]").textContent = format(messages.answered,
    { answered, total: required.length });
  const bar = box.querySelector("[data-progress-bar]");
  bar.max = Math.max(required.length, 1);
  bar.value = answered;
}

function refresh() {
  const visible = applyVisibility();
  const answers = collectAnswers(visible);
  updateProgress(visible, answers);
  return answers;
}

// --- keeping the visit ---------------------------------------------------------------------

async function keep() {
  if (!visit || visit.state === "sent") return;
  visit.answers = refresh();
  if (visit.state !== "outbox") visit.state = "draft";
  await putVisit(visit);
  say(messages.saved_phone);
  clearTimeout(serverSaveTimer);
  serverSaveTimer = setTimeout(saveOnServer, 1500);
}

async function saveOnServer() {
  if (!navigator.onLine || !visit || visit.state !== "draft") return;
  try {
    await saveDraftToServer(visit);
    visit.serverSavedAt = new Date().toISOString();
    await putVisit(visit);
    say(messages.saved_server);
  } catch (error) {
    // Kept on the phone; the server copy is only a convenience.
  }
}

// --- check-in -----------------------------------------------------------------------------

function showCheckIn() {
  const panel = document.querySelector("[data-check-in]");
  const state = panel.querySelector("[data-check-in-state]");
  const buttons = panel.querySelector(".button-row");
  const done = () => {
    buttons.hidden = visit.positionStatus === "given";
    if (visit.positionStatus === "given") {
      state.textContent = format(messages.checked_in,
        { accuracy: Math.round(visit.position.accuracy ?? 0) });
    } else if (visit.positionStatus === "refused") {
      state.textContent = messages.refused;
    } else if (visit.positionStatus === "unavailable") {
      state.textContent = messages.unavailable;
    }
  };
  panel.hidden = false;
  done();
  panel.querySelector("[data-check-in-action=share]").addEventListener("click", () => {
    if (!navigator.geolocation) {
      visit.positionStatus = "unavailable";
      done();
      keep();
      return;
    }
    navigator.geolocation.getCurrentPosition((position) => {
      visit.position = {
        latitude: position.coords.latitude,
        longitude: position.coords.longitude,
        accuracy: position.coords.accuracy,
      };
      visit.positionStatus = "given";
      done();
      keep();
    }, (error) => {
      visit.position = null;
      visit.positionStatus = error.code === error.PERMISSION_DENIED ? "refused" : "unavailable";
      done();
      keep();
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  panel.querySelector("[data-check-in-action=refuse]").addEventListener("click", () => {
    visit.position = null;
    visit.positionStatus = "refused";
    done();
    keep();
  });
}

// --- stopwatch ----------------------------------------------------------------------------

function setUpStopwatches() {
  for (const watch of form.querySelectorAll("[data-stopwatch-for]")) {
    const input = document.getElementById(watch.dataset.stopwatchFor);
    const output = watch.querySelector(".stopwatch-time");
    const start = watch.querySelector("[data-stopwatch=start]");
    const stop = watch.querySelector("[data-stopwatch=stop]");
    let startedAt = null;
    let ticker = null;
    const elapsed = () => Date.now() - startedAt;
    const show = () => {
      const seconds = Math.floor(elapsed() / 1000);
      output.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    };
    const run = () => {
      ticker = setInterval(show, 250);
      show();
      watch.classList.add("running");
      start.hidden = true;
      stop.hidden = false;
    };
    watch.hidden = false;
    // A running stopwatch is kept with the visit: a reload or a closed tab in the middle
    // of a wait does not lose the time already measured.
    visit.stopwatches = visit.stopwatches || {};
    if (visit.stopwatches[input.id]) {
      startedAt = visit.stopwatches[input.id];
      run();
    }
    start.addEventListener("click", () => {
      startedAt = Date.now();
      visit.stopwatches[input.id] = startedAt;
      putVisit(visit);
      run();
      stop.focus();
    });
    stop.addEventListener("click", () => {
      clearInterval(ticker);
      const ms = elapsed();
      delete visit.stopwatches[input.id];
      input.value = watch.dataset.unit === "seconds"
        ? String(Math.round(ms / 1000))
        : writeNumber(Math.round(ms / 6000) / 10, numberSymbols);  // minutes, one decimal
      watch.classList.remove("running");
      stop.hidden = true;
      start.hidden = false;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
}

// --- photos -------------------------------------------------------------------------------

async function shrink(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode"))),
      "image/jpeg", 0.85);
  });
}

function thumbnail(q, ref, src) {
  const list = q.element.querySelector("[data-thumbnails]");
  let item = list.querySelector(`[data-ref="${ref}"]`);
  if (!item) {
    item = document.createElement("li");
    item.className = "thumbnail";
    item.dataset.ref = ref;
    list.append(item);
  }
  item.replaceChildren();
  const image = document.createElement("img");
  image.src = src;
  image.alt = "";
  image.width = 96;
  image.height = 96;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button-secondary";
  remove.textContent = messages.remove;
  remove.addEventListener("click", async () => {
    setPhotoRefs(q, photoRefs(q).filter((r) => r !== ref));
    item.remove();
    await deletePhoto(ref);
    await keep();
  });
  item.append(image, remove);
}

function setUpPhotos() {
  for (const q of questions.filter((question) => question.type === "photo")) {
    // Photos already on the server (rendered by the page): a button instead of a box.
    for (const item of q.element.querySelectorAll("[data-thumbnails] [data-ref]")) {
      const image = item.querySelector("img");
      thumbnail(q, item.dataset.ref, image.getAttribute("src"));
    }
    const input = q.element.querySelector("[data-photo-input]");
    input.addEventListener("change", async () => {
      const files = [...input.files];
      input.value = "";  // these are handled here, not posted with the form
      for (const file of files) {
        let blob;
        try {
          blob = await shrink(file);
        } catch (error) {
          say(messages.photo_failed, "failed");
          continue;
        }
        const photo = { uuid: crypto.randomUUID(), visitUuid: visit.uuid, questionId: q.id,
                        blob, uploaded: false };
        await putPhoto(photo);
        setPhotoRefs(q, [...photoRefs(q), photo.uuid]);
        thumbnail(q, photo.uuid, URL.createObjectURL(blob));
        await keep();
        if (navigator.onLine) uploadPhotoNow(photo).catch(() => {});
      }
    });
  }
}

async function restorePhotos() {
  for (const photo of await photosOfVisit(visit.uuid)) {
    const q = byId.get(photo.questionId);
    if (!q) continue;
    if (!photoRefs(q).includes(photo.uuid)) setPhotoRefs(q, [...photoRefs(q), photo.uuid]);
    thumbnail(q, photo.uuid, URL.createObjectURL(photo.blob));
  }
}

// --- sending ------------------------------------------------------------------------------

// The same markup as the server's (the error summary macro and each question's error
// line, templates/macros/forms.html and field/_question.html), filled in here.
const summary = document.getElementById("error-summary");
const summaryItem = document.getElementById("error-summary-item");

function clearErrors() {
  summary.hidden = true;
  summary.querySelector("ul").replaceChildren();
  for (const q of questions) {
    q.element.classList.remove("field-error");
    const line = q.element.querySelector(".error-message");
    line.hidden = true;
    line.textContent = "";
  }
}

// Next to each question, and in a summary at the top that links to each of them.
function showErrors(errors) {
  clearErrors();
  for (const { question, message } of errors) {
    const q = byId.get(question);
    if (!q) continue;
    const line = q.element.querySelector(".error-message");
    line.textContent = message;
    line.hidden = false;
    q.element.classList.add("field-error");
    const item = summaryItem.content.cloneNode(true);
    const link = item.querySelector("a");
    link.href = `#${q.element.id}`;
    const label = document.getElementById(`label-${q.id}`).firstChild.textContent.trim();
    link.textContent = `${message} (${label})`;
    summary.querySelector("ul").append(item);
  }
  summary.hidden = false;
  summary.focus();
}

// What the shopper is asked again before anything is sent: a number that is not one,
// and required questions with no answer.
function localProblems() {
  const visible = applyVisibility();
  const answers = collectAnswers(visible);
  const problems = [];
  for (const q of questions.filter((question) => visible.get(question.id))) {
    const notANumber = q.type === "number" && !naChecked(q)
      && readNumber(numberText(q), numberSymbols) === null;
    if (notANumber) {
      problems.push({ question: q.id, message: messages.not_a_number });
    } else if (q.required && answers[q.id] === undefined) {
      problems.push({ question: q.id, message: messages.required_missing });
    }
  }
  return problems;
}

function showState() {
  if (visit.state === "sent") {
    say(format(messages.sent, { time: timeText(visit.receipt, form.dataset.timeZone) }), "sent");
  } else if (visit.state === "outbox") {
    const reason = visit.lastError && visit.lastError !== "no connection"
      ? format(messages.failed, { reason: visit.lastError }) : messages.waiting;
    say(reason, visit.lastError && visit.lastError !== "no connection" ? "failed" : "");
  }
}

async function send(event) {
  event.preventDefault();
  const action = event.submitter ? event.submitter.value : "send";
  await keep();
  if (action === "draft") {
    await saveOnServer();
    return;
  }
  const missing = localProblems();
  if (missing.length) {
    showErrors(missing);
    say(messages.fix_errors, "failed");
    return;
  }
  clearErrors();
  visit.endedAt = new Date().toISOString();
  visit.state = "outbox";
  visit.lastError = null;
  await putVisit(visit);
  showState();
  await sendOutbox();
}

document.addEventListener("shopper:outbox", (event) => {
  for (const { visit: sent, error } of event.detail) {
    if (sent.uuid !== visit.uuid) continue;
    visit = sent;
    if (error && error.status === 422 && error.errors) {
      // The server refused it as it is: back to the shopper, with its reasons.
      visit.state = "draft";
      putVisit(visit);
      showErrors(error.errors);
      say(format(messages.failed, { reason: error.message }), "failed");
    } else {
      showState();
    }
  }
});

// --- start --------------------------------------------------------------------------------

async function start() {
  const assignmentId = Number(form.dataset.assignment);
  const uuidField = form.querySelector("input[name=visit_uuid]");
  const kept = (await visitsOfAssignment(assignmentId))
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
  if (kept && form.dataset.serverStatus === "returned" && kept.state === "sent") {
    // Returned by the reviewer: a new revision under the same uuid, starting from the
    // answers the server has (the page shows them).
    visit = { ...kept, state: "draft", receipt: null, lastError: null, answers: {} };
  } else if (kept && form.dataset.serverStatus === "new" && kept.state === "sent") {
    visit = kept;  // sent from this phone; the page was kept from before
  } else if (kept) {
    visit = kept;
    for (const q of questions) restoreAnswer(q, kept.answers[q.id]);
  } else {
    visit = {
      uuid: uuidField.value,
      assignmentId,
      channel: form.dataset.channel,
      startedAt: form.querySelector("input[name=started_at]").value || new Date().toISOString(),
      answers: {},
      serverRefs: questions.filter((q) => q.type === "photo").flatMap(photoRefs),
      state: "draft",
    };
  }
  uuidField.value = visit.uuid;
  await restorePhotos();
  setUpStopwatches();
  setUpPhotos();
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.addEventListener("submit", send);
  showCheckIn();
  visit.answers = refresh();
  await putVisit(visit);
  showState();
  if (visit.state === "outbox") sendOutbox();
}

document.documentElement.classList.add("js");
start();
