//! The interface languages and their message catalogs.
//!
//! Every string a reader sees comes from `locales/<lang>.ftl` (Project
//! Fluent syntax), never from code. A message missing from a catalog shows as
//! `⟦id⟧`, which the tests look for on every page in every language.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the site is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Spanish (the default: the site was first built for Venezuela).
    Es,
    /// Portuguese.
    Pt,
    /// English.
    En,
}

/// Every language, in the order the language switch lists them.
pub const LANGS: [Lang; 3] = [Lang::Es, Lang::Pt, Lang::En];

impl Lang {
    /// The BCP 47 code, also the first path segment of every page.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Es => "Español",
            Lang::Pt => "Português",
            Lang::En => "English",
        }
    }

    /// The language of a path segment (`es`, `pt`, `en`).
    pub fn from_code(code: &str) -> Option<Lang> {
        LANGS.into_iter().find(|l| l.code() == code)
    }

    /// The best language for an `Accept-Language` header: the highest
    /// weighted range whose primary subtag we speak, Spanish when none is.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let Some(header) = accept_language else { return Lang::Es };
        let mut best: Option<(f32, usize, Lang)> = None;
        for (position, range) in header.split(',').enumerate() {
            let mut parts = range.trim().split(';');
            let tag = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            let Some(lang) = Lang::from_code(&primary) else { continue };
            if weight <= 0.0 {
                continue;
            }
            // Higher weight wins; among equal weights, the earlier range.
            let better = match best {
                None => true,
                Some((w, p, _)) => weight > w || (weight == w && position < p),
            };
            if better {
                best = Some((weight, position, lang));
            }
        }
        best.map(|(_, _, l)| l).unwrap_or(Lang::Es)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Separators for thousands and decimals.
    fn separators(self) -> (char, char) {
        match self {
            Lang::Es | Lang::Pt => ('.', ','),
            Lang::En => (',', '.'),
        }
    }
}

const SOURCES: [&str; 3] =
    [include_str!("../locales/es.ftl"), include_str!("../locales/pt.ftl"), include_str!("../locales/en.ftl")];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle; 3] {
    static BUNDLES: OnceLock<[Bundle; 3]> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        LANGS.map(|lang| {
            let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Unicode isolation marks would end up inside attributes and
            // search results; the pages set `dir` where it matters.
            bundle.set_use_isolating(false);
            let resource = FluentResource::try_new(SOURCES[lang.index()].to_string())
                .unwrap_or_else(|(_, errors)| panic!("locales/{}.ftl does not parse: {errors:?}", lang.code()));
            bundle.add_resource(resource).unwrap_or_else(|e| panic!("locales/{}.ftl: {e:?}", lang.code()));
            bundle
        })
    })
}

/// Every message of every catalog that takes no argument, formatted.
fn plain() -> &'static [std::collections::HashMap<String, String>; 3] {
    static PLAIN: OnceLock<[std::collections::HashMap<String, String>; 3]> = OnceLock::new();
    PLAIN.get_or_init(|| {
        LANGS.map(|lang| {
            let bundle = &bundles()[lang.index()];
            message_ids(lang)
                .into_iter()
                .filter_map(|id| {
                    let pattern = bundle.get_message(&id)?.value()?;
                    let mut errors = Vec::new();
                    // Without arguments a message that needs one reports an error: not plain.
                    let text = bundle.format_pattern(pattern, None, &mut errors).into_owned();
                    errors.is_empty().then_some((id, text))
                })
                .collect()
        })
    })
}

/// Message ids of a catalog, for the completeness test.
pub fn message_ids(lang: Lang) -> Vec<String> {
    // A catalog with syntax errors still lists the messages it parsed (the
    // bundle refuses to start on it, and a test fails on it).
    let resource = FluentResource::try_new(SOURCES[lang.index()].to_string()).unwrap_or_else(|(partial, _)| partial);
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

/// Every message of `lang` whose id starts with `prefix`, formatted for a
/// program that fills in the values itself (the witness app's script): each
/// variable `{ $name }` comes out as the literal `{name}`, and nothing is
/// isolated with Unicode marks. A message whose variants depend on a
/// variable (plurals) comes out as its default variant. In catalog order.
pub fn templates(lang: Lang, prefix: &str) -> Vec<(String, String)> {
    let bundle = &bundles()[lang.index()];
    message_ids(lang)
        .into_iter()
        .filter(|id| id.starts_with(prefix))
        .filter_map(|id| {
            let pattern = bundle.get_message(&id)?.value()?;
            let mut names = Vec::new();
            pattern_variables(pattern, &mut names);
            let mut args = FluentArgs::new();
            for name in names {
                let literal = format!("{{{name}}}");
                args.set(name, FluentValue::from(literal));
            }
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned();
            Some((id, text))
        })
        .collect()
}

/// The names of the variables a pattern uses (`$name`), each once.
fn pattern_variables<'s>(pattern: &fluent_syntax::ast::Pattern<&'s str>, out: &mut Vec<&'s str>) {
    use fluent_syntax::ast::PatternElement;
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables<'s>(expression: &fluent_syntax::ast::Expression<&'s str>, out: &mut Vec<&'s str>) {
    use fluent_syntax::ast::Expression;
    match expression {
        Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for v in variants {
                pattern_variables(&v.value, out);
            }
        }
        Expression::Inline(inline) => inline_variables(inline, out),
    }
}

fn inline_variables<'s>(inline: &fluent_syntax::ast::InlineExpression<&'s str>, out: &mut Vec<&'s str>) {
    use fluent_syntax::ast::InlineExpression;
    match inline {
        InlineExpression::VariableReference { id } if !out.contains(&id.name) => out.push(id.name),
        InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_variables(a, out);
            }
            for a in &arguments.named {
                inline_variables(&a.value, out);
            }
        }
        InlineExpression::TermReference { arguments: Some(arguments), .. } => {
            for a in &arguments.positional {
                inline_variables(a, out);
            }
            for a in &arguments.named {
                inline_variables(&a.value, out);
            }
        }
        InlineExpression::Placeable { expression } => expression_variables(expression, out),
        _ => {}
    }
}

/// A value passed into a message.
pub enum Arg<'a> {
    /// Text, inserted as is (the template escapes it).
    Str(&'a str),
    /// A count, formatted for the language and used for plural rules.
    Num(u64),
    /// A number that names something (a log index): digits only, no separators.
    Id(u64),
}

/// Messages in one language.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// The messages of `lang`.
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        // Messages without arguments are formatted once per language: a
        // page uses dozens, and a server renders thousands of pages a second.
        match plain()[self.lang.index()].get(id) {
            Some(text) => text.clone(),
            None => self.args(id, &[]),
        }
    }

    /// The message `id` with named arguments.
    pub fn args(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let bundle = &bundles()[self.lang.index()];
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return format!("⟦{id}⟧");
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Str(s) => fluent_args.set(*name, FluentValue::from(*s)),
                // Numbers are formatted here (Fluent's own formatter needs
                // ICU data we do not ship) but still drive plural selection:
                // the formatted string goes in as `<name>`, the count as
                // `<name>_n`.
                Arg::Id(n) => fluent_args.set(*name, FluentValue::from(n.to_string())),
                Arg::Num(n) => {
                    fluent_args.set(*name, FluentValue::from(self.num(*n)));
                    fluent_args.set(format!("{name}_n"), FluentValue::from(*n));
                }
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if errors.is_empty() {
            text.into_owned()
        } else {
            format!("⟦{id}⟧")
        }
    }

    /// The message `id` if the catalog has one, else `fallback` (names that
    /// come from the election itself, translated where the catalog knows them).
    pub fn t_or(&self, id: &str, fallback: &str) -> String {
        match bundles()[self.lang.index()].get_message(id) {
            Some(_) => self.t(id),
            None => fallback.to_string(),
        }
    }

    /// A whole number with the language's thousands separator.
    pub fn num(&self, n: u64) -> String {
        let (thousands, _) = self.lang.separators();
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(thousands);
            }
            out.push(c);
        }
        out
    }

    /// `part` of `whole` as a percentage with two decimals, rounded once
    /// from the integers (`testigo_tally::report::pct2`), or the word for
    /// unknown when `whole` is 0.
    pub fn pct_of(&self, (part, whole): (u64, u64)) -> String {
        match testigo_tally::report::pct2(part, whole) {
            Some(p) => {
                let (_, decimal) = self.lang.separators();
                p.replace('.', &decimal.to_string()) + " %"
            }
            None => self.t("unknown"),
        }
    }

    /// A decimal number with `places` decimals in the language's notation
    /// (a statistic, a mean), or the word for unknown if it is not finite.
    pub fn dec(&self, x: f64, places: usize) -> String {
        if !x.is_finite() {
            return self.t("unknown");
        }
        let (_, decimal) = self.lang.separators();
        let text = format!("{x:.places$}").replace('.', &decimal.to_string());
        // A true minus sign, which does not break from its digits.
        text.strip_prefix('-').map_or(text.clone(), |t| format!("−{t}"))
    }

    /// A p-value as people read it: three decimals, or `< 0.001`.
    pub fn p_value(&self, p: f64) -> String {
        if p < 0.001 {
            // A no-break space: the sign never wraps away from its number.
            format!("<\u{a0}{}", self.dec(0.001, 3))
        } else {
            self.dec(p, 3)
        }
    }

    /// A percentage with two decimals, or the word for unknown. Only for a
    /// value exact at two decimals (the turnout cap); a computed share is
    /// printed with [`Tr::pct_of`], so it is rounded once.
    pub fn pct(&self, p: Option<f64>) -> String {
        match p {
            Some(p) if p.is_finite() => {
                let (_, decimal) = self.lang.separators();
                format!("{p:.2}").replace('.', &decimal.to_string()) + " %"
            }
            _ => self.t("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_weight_then_order() {
        assert_eq!(Lang::negotiate(None), Lang::Es);
        assert_eq!(Lang::negotiate(Some("pt-BR,pt;q=0.9,en;q=0.8")), Lang::Pt);
        assert_eq!(Lang::negotiate(Some("fr-FR, en;q=0.5, es;q=0.7")), Lang::Es);
        assert_eq!(Lang::negotiate(Some("de, EN-gb")), Lang::En);
        assert_eq!(Lang::negotiate(Some("es;q=0, pt;q=0.1")), Lang::Pt);
        assert_eq!(Lang::negotiate(Some("zh")), Lang::Es);
    }

    #[test]
    fn every_catalog_has_every_message() {
        let en = message_ids(Lang::En);
        assert!(en.len() > 50, "the English catalog has {} messages", en.len());
        for lang in [Lang::Es, Lang::Pt] {
            let ids = message_ids(lang);
            let missing: Vec<_> = en.iter().filter(|id| !ids.contains(id)).collect();
            let extra: Vec<_> = ids.iter().filter(|id| !en.contains(id)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{}: missing {missing:?}, extra {extra:?}", lang.code());
        }
    }

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(Tr::new(Lang::Es).num(21_392_464), "21.392.464");
        assert_eq!(Tr::new(Lang::En).num(21_392_464), "21,392,464");
        assert_eq!(Tr::new(Lang::En).num(999), "999");
        assert_eq!(Tr::new(Lang::Pt).pct(Some(83.456)), "83,46 %");
        // La Guaira's turnout, rounded once: 63.97498…% is 63.97, not 63.98.
        assert_eq!(Tr::new(Lang::Es).pct_of((159_267, 248_952)), "63,97 %");
        assert_eq!(Tr::new(Lang::En).pct_of((159_267, 248_952)), "63.97 %");
        assert_eq!(Tr::new(Lang::En).pct_of((1, 0)), Tr::new(Lang::En).t("unknown"));
    }
}
