// Visits and photos kept on the phone (IndexedDB), so that nothing typed or taken is
// lost to a reload, a closed browser or a dead connection.
//
// visits: {uuid, assignmentId, answers, startedAt, endedAt, position, positionStatus,
//          state: "draft" | "outbox" | "sent", receipt, lastError, updatedAt, serverSavedAt}
// photos: {uuid, visitUuid, questionId, blob, uploaded}

const DB_NAME = "shopper";
const DB_VERSION = 1;
let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        const visits = db.createObjectStore("visits", { keyPath: "uuid" });
        visits.createIndex("assignment", "assignmentId");
        visits.createIndex("state", "state");
        const photos = db.createObjectStore("photos", { keyPath: "uuid" });
        photos.createIndex("visit", "visitUuid");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function run(storeName, mode, work) {
  return openDb().then((db) => new Promise((resolve, reject) => {
    const transaction = db.transaction(storeName, mode);
    const store = transaction.objectStore(storeName);
    let result;
    Promise.resolve(work(store)).then((value) => { result = value; });
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  }));
}

function ask(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function putVisit(visit) {
  visit.updatedAt = new Date().toISOString();
  return run("visits", "readwrite", (store) => ask(store.put(visit)));
}

export function getVisit(uuid) {
  return run("visits", "readonly", (store) => ask(store.get(uuid)));
}

export function visitsOfAssignment(assignmentId) {
  return run("visits", "readonly",
    (store) => ask(store.index("assignment").getAll(Number(assignmentId))));
}

export function allVisits() {
  return run("visits", "readonly", (store) => ask(store.getAll()));
}

export function putPhoto(photo) {
  return run("photos", "readwrite", (store) => ask(store.put(photo)));
}

export function photosOfVisit(visitUuid) {
  return run("photos", "readonly", (store) => ask(store.index("visit").getAll(visitUuid)));
}

export function deletePhoto(uuid) {
  return run("photos", "readwrite", (store) => ask(store.delete(uuid)));
}
