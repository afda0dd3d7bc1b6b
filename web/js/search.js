// Search on a static copy of the site: the page has no server to answer
// `?q=`, so the browser fetches the one index shard the query's first word
// selects and matches exactly as the server does (every query word a prefix
// of some word of the result, accents and case folded). On a server the
// results are already in the page and this does nothing.

const results = document.getElementById("results");
const query = new URLSearchParams(location.search).get("q") || "";

/** Lower case, accents dropped, split on anything but letters and digits (as search.rs `words`). */
export function words(text) {
  const folded = text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const out = folded.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
  // An id typed whole ("010113042.01") is one word too, so it finds itself, not its neighbours.
  const whole = folded.trim().split(/\s+/).join(" ");
  if (whole && !whole.includes(" ") && !out.includes(whole)) out.unshift(whole);
  return out;
}

function segment(key) {
  return Array.from(new TextEncoder().encode(key), (b, i) => {
    const keep = /[A-Za-z0-9_-]/.test(String.fromCharCode(b)) || (b === 0x2e && i > 0);
    return keep ? String.fromCharCode(b) : `~${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

// The shard a query word is answered from: the longest key of the manifest
// that starts it. A split key holds only the words equal to it, so it
// answers a longer word (with nothing) but not the word itself.
function shardFor(manifest, word) {
  const chars = Array.from(word);
  for (let n = chars.length; n > 0; n--) {
    const key = chars.slice(0, n).join("");
    const entry = manifest[key];
    if (!entry) continue;
    const [targets, split] = entry;
    if (split && key === word) return null;
    return { key, targets };
  }
  return { key: null, targets: 0 };
}

async function answer() {
  document.getElementById("q").value = query;
  const levels = JSON.parse(results.dataset.levels || "[]");
  const qwords = words(query);
  if (qwords.length === 0) return;
  const manifest = (await (await fetch(`${results.dataset.index}index.json`)).json()).k;
  // The query's rarest usable word chooses the one shard to fetch.
  const usable = qwords.map((w) => shardFor(manifest, w)).filter((s) => s && s.targets <= Number(results.dataset.skip));
  usable.sort((a, b) => a.targets - b.targets);
  const say = (text) => {
    const p = document.createElement("p");
    p.textContent = text;
    results.replaceChildren(p);
  };
  if (usable.length === 0) return say(results.dataset.more.replace("%q", query));
  const entries = usable[0].key === null ? [] : await (await fetch(`${results.dataset.index}${segment(usable[0].key)}.json`)).json();
  const hits = entries.filter((e) => qwords.every((q) => e.w.some((w) => w.startsWith(q))));
  const list = document.createElement("ol");
  list.className = "hits";
  for (const e of hits.slice(0, 50)) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = e.p;
    a.textContent = e.k === "t" ? results.dataset.table.replace("%id", e.l) : e.l;
    const where = document.createElement("span");
    where.className = "muted";
    const level = e.v === undefined ? "" : levels[e.v] || "";
    where.textContent = " " + [level, e.c].filter((x) => x).join(" · ");
    li.append(a, where);
    list.append(li);
  }
  const p = document.createElement("p");
  p.textContent = hits.length ? results.dataset.count.replace("%n", String(hits.length)) : results.dataset.none.replace("%q", query);
  results.replaceChildren(p, list);
}

if (results && !results.dataset.answered) answer();
