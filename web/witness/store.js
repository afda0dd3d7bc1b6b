// What the witness app keeps on the device, in IndexedDB: the signing key
// (a non-extractable CryptoKey: IndexedDB stores it, no script can read its
// private half), the witness's details, the election it works for, and
// every sheet signed, queued or delivered with its photo and receipt. A
// reload, a crash or a day offline loses nothing.

const DB_NAME = "testigo-witness";
const DB_VERSION = 1;

let opened = null;

/** The database, opened once (and created on first use). */
function db() {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const d = req.result;
      // Small records by name: the key, the profile, the election, settings.
      d.createObjectStore("kv");
      // One record per signed sheet, in signing order.
      d.createObjectStore("sheets", { keyPath: "id", autoIncrement: true });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

/** Runs `fn(store)` in a transaction on `name` and resolves with what its last request gives. */
async function run(name, mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(name, mode);
    const req = fn(tx.objectStore(name));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("the device storage refused the write"));
  });
}

/** The value stored under `key`, or undefined. */
export const get = (key) => run("kv", "readonly", (s) => s.get(key));
/** Stores `value` under `key` (durable when the promise resolves). */
export const put = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
/** Removes `key`. */
export const remove = (key) => run("kv", "readwrite", (s) => s.delete(key));

/** Adds a signed sheet record; resolves with its id. */
export const addSheet = (record) => run("sheets", "readwrite", (s) => s.add(record));
/** Replaces a sheet record (same id). */
export const saveSheet = (record) => run("sheets", "readwrite", (s) => s.put(record));
/** One sheet record by id. */
export const getSheet = (id) => run("sheets", "readonly", (s) => s.get(id));
/** Every sheet record, oldest first. */
export const allSheets = () => run("sheets", "readonly", (s) => s.getAll());

/**
 * Asks the browser to keep this site's storage under pressure (a phone low
 * on space may otherwise evict it); resolves with whether it agreed.
 */
export async function persist() {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
