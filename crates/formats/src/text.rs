//! Decoding published text files whose encoding is not declared.
//!
//! Published datasets arrive as UTF-8 (sometimes with a byte-order mark) or
//! as ISO-8859-1 (latin-1) when someone re-saved them with a spreadsheet. We
//! take the bytes as they are rather than asking users to convert first, so
//! that a file's published hash still identifies what we parsed.

use std::borrow::Cow;

/// The UTF-8 byte-order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How [`decode_text`] read the bytes, so callers can report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 that started with a byte-order mark (the mark is removed).
    Utf8WithBom,
    /// Valid UTF-8 without a byte-order mark (this includes plain ASCII).
    Utf8,
    /// Not valid UTF-8, decoded as ISO-8859-1: one byte, one character.
    Latin1,
}

/// Errors from [`decode_text`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    /// The bytes start with a UTF-8 byte-order mark, yet are not valid
    /// UTF-8: the file claims an encoding it does not follow.
    #[error(
        "the input starts with a UTF-8 byte-order mark but is not valid UTF-8 at byte {offset}; \
         the file is corrupt or was re-encoded without removing the mark"
    )]
    InvalidUtf8AfterBom {
        /// Offset, in the input including the mark, of the first invalid byte.
        offset: usize,
    },
}

/// Decodes text whose encoding is not declared: UTF-8 (with or without a
/// byte-order mark, which is stripped), otherwise latin-1.
///
/// Latin-1 is the fallback because every byte sequence is valid latin-1,
/// and it is the encoding spreadsheets on Spanish- and Portuguese-language
/// systems use when they do not write UTF-8. Latin-1 text is valid UTF-8
/// only if each of its non-ASCII letters is followed by a symbol or control
/// character from 0x80–0xBF (such as `Ã‘`), which real names do not do, so
/// trying UTF-8 first is safe in practice.
pub fn decode_text(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), TextError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((Cow::Borrowed(s), TextEncoding::Utf8WithBom)),
            Err(e) => Err(TextError::InvalidUtf8AfterBom { offset: UTF8_BOM.len() + e.valid_up_to() }),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), TextEncoding::Utf8)),
        // Latin-1 code points are exactly the byte values.
        Err(_) => Ok((Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()), TextEncoding::Latin1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_stripped() {
        let (s, e) = decode_text(b"\xEF\xBB\xBFA,\xC3\x91").unwrap();
        assert_eq!(s, "A,Ñ");
        assert_eq!(e, TextEncoding::Utf8WithBom);
    }

    #[test]
    fn latin1_fallback() {
        let (s, e) = decode_text(b"PQ. PE\xD1A").unwrap();
        assert_eq!(s, "PQ. PEÑA");
        assert_eq!(e, TextEncoding::Latin1);
    }

    #[test]
    fn plain_ascii_is_utf8() {
        assert_eq!(decode_text(b"abc").unwrap().1, TextEncoding::Utf8);
    }

    #[test]
    fn bom_with_invalid_utf8_is_an_error() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFab\xD1"), Err(TextError::InvalidUtf8AfterBom { offset: 5 }));
    }
}
