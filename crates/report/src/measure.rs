//! How wide a line of SVG text will be, without a font at hand.
//!
//! An SVG has no text layout: a label longer than the room left for it is
//! drawn over its neighbour or cut off at the edge of the picture ("Edmundo
//! Gonza"). The charts therefore size their label columns and their width
//! from an estimate of each text's width, and wrap what would not fit.
//!
//! The estimate is a table of advance widths, in ems, of DejaVu Sans (what
//! `system-ui, sans-serif` resolves to on most Linux systems, and wider
//! than the usual fonts of Windows and macOS), rounded up, times
//! [`SAFETY`]. Characters not in the table count as one em, wider than any
//! letter of those fonts, so an unexpected script errs on the side of room.
//! Over-estimating costs some white space; under-estimating clips a name.

/// The size of every SVG text of the report, in pixels (the style sheet's
/// `svg text` rule).
pub const FONT_PX: f64 = 12.0;

/// Headroom over the table's widths (kerning, hinting, a slightly wider
/// fallback font).
pub const SAFETY: f64 = 1.08;

/// Advance width of a character in ems, rounded up from DejaVu Sans.
fn em(c: char) -> f64 {
    match c {
        ' ' => 0.32,
        'i' | 'j' | 'l' | '\'' => 0.28,
        '|' => 0.34,
        '.' | ',' | ':' | ';' | '·' => 0.34,
        '!' => 0.41,
        '(' | ')' | '[' | ']' => 0.40,
        'I' | 'J' => 0.30,
        'f' | 't' => 0.40,
        'r' => 0.42,
        '-' | '/' | '\\' => 0.37,
        '"' => 0.46,
        '*' | '_' | '–' => 0.50,
        's' | 'z' | 'c' => 0.56,
        '?' => 0.54,
        'k' | 'v' | 'x' | 'y' | 'L' => 0.60,
        '0'..='9' | '$' | '{' | '}' | 'a' | 'b' | 'd' | 'e' | 'g' | 'h' | 'n' | 'o' | 'p' | 'q' | 'u' => 0.64,
        'F' | 'P' | 'T' | 'Y' | 'E' | 'S' => 0.64,
        'K' | 'A' | 'B' | 'V' | 'X' | 'Z' | 'R' | 'C' => 0.70,
        'U' | 'N' | 'H' | 'D' | 'G' | 'O' | 'Q' | '&' => 0.79,
        'w' | '+' | '=' | '<' | '>' | '#' | '−' | '×' | '~' => 0.84,
        'M' => 0.87,
        '%' => 0.96,
        'm' | 'W' | '@' | '—' | '…' => 1.0,
        _ => match fold(c) {
            Some(base) => em(base),
            None => 1.0,
        },
    }
}

/// The unaccented letter of a Latin letter with a diacritic (Spanish and
/// Portuguese names), which has the same advance width in these fonts.
fn fold(c: char) -> Option<char> {
    let base = match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'Á' | 'À' | 'Â' | 'Ã' | 'Ä' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' => 'O',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'Ñ' => 'N',
        'Ç' => 'C',
        _ => return None,
    };
    Some(base)
}

/// The estimated width in pixels of `text` on one line at `font_px`; never
/// less than the text will take in the fonts the page asks for.
pub fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().map(em).sum::<f64>() * font_px * SAFETY
}

/// `text` broken into lines no wider than `max_px` at `font_px`: at spaces,
/// and inside a word only when the word alone is too wide. Never empty.
pub fn wrap(text: &str, max_px: f64, font_px: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if text_width(&candidate, font_px) <= max_px {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line on its own is cut where it must be.
        for c in word.chars() {
            line.push(c);
            if text_width(&line, font_px) > max_px && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Advance widths of DejaVu Sans, in thousandths of an em (from the
    /// font's `cmap` and `hmtx` tables, DejaVuSans.ttf as Debian ships it),
    /// for every printable ASCII character and the accented letters of
    /// Spanish and Portuguese names.
    const CHARS: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~áéíóúñÑÁÉÍÓÚãõçÇ·–—−×…";
    const MILLI_EM: [u16; 116] = [
        636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278,
        974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 684, 686, 698, 770, 632, 575, 775, 752,
        295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 401, 460, 838, 636,
        950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 337, 337, 838, 838, 838, 531, 1000, 390, 337, 390, 838,
        500, 500, 636, 337, 636, 838, 613, 615, 278, 612, 634, 634, 748, 684, 632, 295, 787, 732, 613, 612, 550, 698,
        318, 500, 1000, 838, 838, 1000,
    ];

    /// The table is never narrower than DejaVu Sans, what `system-ui,
    /// sans-serif` resolves to here and the widest of the usual fonts.
    #[test]
    fn never_narrower_than_dejavu_sans() {
        assert_eq!(CHARS.chars().count(), MILLI_EM.len());
        for (c, milli) in CHARS.chars().zip(MILLI_EM) {
            assert!(em(c) * 1000.0 >= milli as f64, "{c:?}: {} < {milli}", em(c) * 1000.0);
        }
        assert_eq!(em('á'), em('a'));
        assert_eq!(em('Ñ'), em('N'));
        assert_eq!(em('中'), 1.0);
    }

    #[test]
    fn wraps_at_spaces_and_inside_long_words() {
        let w = |s: &str| text_width(s, FONT_PX);
        assert!(w("Edmundo González Urrutia") > w("Edmundo Gonza"));
        let lines = wrap("Luis Eduardo Martínez + Antonio Ecarri + Benjamín Rausseo", 150.0, FONT_PX);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| w(l) <= 150.0), "{lines:?}");
        assert_eq!(lines.join(" "), "Luis Eduardo Martínez + Antonio Ecarri + Benjamín Rausseo");
        let long = wrap("LM+AE+BERA+JOBR+JABE+CF+EM+DC", 60.0, FONT_PX);
        assert!(long.len() > 1 && long.iter().all(|l| w(l) <= 60.0), "{long:?}");
        assert_eq!(long.concat(), "LM+AE+BERA+JOBR+JABE+CF+EM+DC");
        assert_eq!(wrap("", 10.0, FONT_PX), [""]);
    }
}
