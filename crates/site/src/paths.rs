//! Where each page lives. One layout serves `testigo serve` and the static
//! export alike: `<lang>/` for the home page, `<lang>/<name>.html` for the
//! others and `<lang>/<u|t>/<segment>.html` for units and tables, linked by
//! paths relative to the page, so a copy works under any prefix of any
//! static host.

use crate::i18n::Lang;

/// A page of the site.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Page {
    /// The national result.
    Home,
    /// A unit of the geography, by id.
    Unit(String),
    /// A table, by id.
    Table(String),
    /// Search.
    Search,
    /// Official bulletins against the sheets.
    Bulletins,
    /// Open data.
    Downloads,
    /// For observers: keys, cosigners, commands.
    Observers,
    /// Questioning the numbers: election forensics and risk-limiting audits.
    Questions,
}

impl Page {
    /// The page's URL path below the site root (`es/`, `es/search.html`,
    /// `es/t/010113042.01.html`): one file per page and no directory per
    /// page, since creating a million directories is what an export of a
    /// national election would spend its time on.
    pub fn href(&self, lang: Lang) -> String {
        let l = lang.code();
        match self {
            Page::Home => format!("{l}/"),
            Page::Unit(id) => format!("{l}/u/{}.html", segment(id)),
            Page::Table(id) => format!("{l}/t/{}.html", segment(id)),
            Page::Search => format!("{l}/search.html"),
            Page::Bulletins => format!("{l}/bulletins.html"),
            Page::Downloads => format!("{l}/downloads.html"),
            Page::Observers => format!("{l}/observers.html"),
            Page::Questions => format!("{l}/questions.html"),
        }
    }

    /// The file a static copy holds the page in.
    pub fn file(&self, lang: Lang) -> String {
        match self {
            Page::Home => format!("{}/index.html", lang.code()),
            _ => self.href(lang),
        }
    }

    /// How deep the page's directory is: the number of `../` back to the root.
    pub fn depth(&self) -> usize {
        match self {
            Page::Home | Page::Search | Page::Bulletins | Page::Downloads | Page::Observers | Page::Questions => 1,
            Page::Unit(_) | Page::Table(_) => 2,
        }
    }

    /// The relative prefix from this page to the site root (`../../`).
    pub fn root(&self) -> String {
        "../".repeat(self.depth())
    }

    /// The page a site path names (`es/`, `es/index.html`, `es/t/X.html`; no
    /// leading slash), with its language.
    pub fn parse(path: &str) -> Option<(Lang, Page)> {
        let (lang, rest) = path.split_once('/')?;
        let lang = Lang::from_code(lang)?;
        let page = match rest {
            "" | "index.html" => Page::Home,
            "search.html" => Page::Search,
            "bulletins.html" => Page::Bulletins,
            "downloads.html" => Page::Downloads,
            "observers.html" => Page::Observers,
            "questions.html" => Page::Questions,
            _ => {
                let (kind, file) = rest.split_once('/')?;
                let id = unsegment(file.strip_suffix(".html")?).filter(|id| !id.is_empty())?;
                match kind {
                    "u" => Page::Unit(id),
                    "t" => Page::Table(id),
                    _ => return None,
                }
            }
        };
        Some((lang, page))
    }
}

/// An id as one path segment that is also a safe file name: letters,
/// digits, `.`, `_` and `-` stay; every other byte, and a leading `.`,
/// becomes `~XX`. `~` is unreserved in URLs, so no server or browser
/// decodes it: the URL names the file byte for byte.
pub fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for (i, b) in id.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("~{b:02X}"));
        }
    }
    out
}

/// The id a [`segment`] encodes, or `None` if it is not one.
pub fn unsegment(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'~' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let id = String::from_utf8(out).ok()?;
    (segment(&id) == s).then_some(id)
}

/// The path of a chart of the questions page below the site root
/// (`es/charts/fingerprint.svg`, or `.png`): one file per chart and language, since the
/// words drawn in it are the page's.
pub fn chart_href(lang: Lang, name: &str) -> String {
    format!("{}/charts/{name}", lang.code())
}

/// The language and chart name a site path names, if it is a chart's
/// ([`chart_href`]); whether such a chart exists is for the snapshot to say.
pub fn parse_chart(path: &str) -> Option<(Lang, &str)> {
    let (lang, rest) = path.split_once('/')?;
    let name = rest.strip_prefix("charts/")?;
    let stem = name.strip_suffix(".svg").or_else(|| name.strip_suffix(".png"))?;
    let plain = !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    Some((Lang::from_code(lang)?, name)).filter(|_| plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_round_trip_and_are_file_names() {
        for id in ["010113042.01", "VE-01", "a/b", "..", ".x", "~", "Ñuñoa", "x%41", "a?b#c"] {
            let s = segment(id);
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-~".contains(&b)), "{s}");
            assert!(!s.starts_with('.'), "{s}");
            assert_eq!(unsegment(&s).as_deref(), Some(id));
        }
        assert_eq!(segment("010113042.01"), "010113042.01");
        // Only the canonical encoding names a page.
        assert_eq!(unsegment("~41"), None);
        assert_eq!(unsegment("~4"), None);
    }

    #[test]
    fn pages_parse_from_their_paths() {
        for page in [
            Page::Home,
            Page::Unit("VE/01".into()),
            Page::Table("010113042.01".into()),
            Page::Search,
            Page::Bulletins,
            Page::Downloads,
            Page::Observers,
            Page::Questions,
        ] {
            for lang in crate::i18n::LANGS {
                let href = page.href(lang);
                assert_eq!(href.matches('/').count(), page.depth(), "{href}");
                assert_eq!(Page::parse(&href), Some((lang, page.clone())));
                assert_eq!(Page::parse(&page.file(lang)), Some((lang, page.clone())));
            }
        }
        assert_eq!(Page::parse("fr/"), None);
        assert_eq!(Page::parse("es"), None);
        assert_eq!(Page::parse("es/t/"), None);
        assert_eq!(Page::parse("es/t/.html"), None);
        assert_eq!(Page::parse("es/t/a/b.html"), None);
        assert_eq!(Page::parse("es/x/a.html"), None);
        assert_eq!(Page::parse("es/t/a"), None);
    }
}
