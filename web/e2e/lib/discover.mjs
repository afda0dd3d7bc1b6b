// Finds the site's page URLs the way a reader would, by following links
// (plain HTTP and a few regular expressions, no browser), so the tests do not
// hard-code the page layout (`es/t/X/` or `es/t/X.html`): the home page from
// `/`, the other pages from the navigation, the centre from a search, the
// table from the centre's list of tables.

const attr = (tag, name) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
const unescape = (s) => s.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">");

async function get(url, lang) {
  const res = await fetch(url, { headers: { "accept-language": lang } });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return { url: res.url, html: await res.text() };
}

/** The href of the first `<a>` inside the first element matching `open` (a regexp for its start tag). */
function linkIn(html, open, base, text) {
  const start = html.search(open);
  if (start < 0) return null;
  const rest = html.slice(start);
  const links = [...rest.matchAll(/<a\b[^>]*>([^<]*)</g)];
  const hit = text ? links.find((m) => m[1].trim() === text) : links[0];
  return hit ? new URL(unescape(attr(hit[0], "href")), base).href : null;
}

/**
 * Pages of the site at `base` in `lang`: { home, search, bulletins,
 * downloads, observers, questions, unit, table } as URL paths (no origin), for the
 * centre found by `centreQuery` and its table `tableId`.
 */
export async function discover(base, { lang = "es", centreQuery, tableId }) {
  const home = await get(`${base}/`, lang);
  const nav = {};
  for (const m of home.html.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>/g)) {
    const href = new URL(unescape(m[1]), home.url);
    for (const name of ["search", "bulletins", "downloads", "observers", "questions"]) {
      if (!nav[name] && href.pathname.startsWith(`/${lang}/${name}`)) nav[name] = href.href;
    }
  }
  for (const name of ["search", "bulletins", "downloads", "observers", "questions"]) {
    if (!nav[name]) throw new Error(`no link to the ${name} page on ${home.url}`);
  }
  const form = /<form\b[^>]*role="search"[^>]*>/.exec(home.html)?.[0] ?? /<form\b[^>]*role="search"[^>]*>/.exec((await get(nav.search, lang)).html)?.[0];
  const action = new URL(unescape(attr(form, "action")), nav.search);
  action.searchParams.set("q", centreQuery);
  const results = await get(action.href, lang);
  const unit = linkIn(results.html, /<ol class="hits"/, results.url);
  if (!unit) throw new Error(`no search result for ${centreQuery} at ${action.href}`);
  const centre = await get(unit, lang);
  const table = linkIn(centre.html, /<ul class="tables"/, centre.url, tableId);
  if (!table) throw new Error(`no link to table ${tableId} on ${unit}`);
  const path = (u) => {
    const x = new URL(u);
    return x.pathname + x.search;
  };
  return {
    home: path(home.url),
    search: path(nav.search),
    searchResults: path(action.href),
    bulletins: path(nav.bulletins),
    downloads: path(nav.downloads),
    observers: path(nav.observers),
    questions: path(nav.questions),
    unit: path(unit),
    table: path(table),
  };
}
