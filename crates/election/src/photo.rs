//! Checking photos of paper sheets before storing them next to the log.

use crate::codes::Rejection;
use sha2::{Digest, Sha256};

/// The image formats accepted for sheet photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoKind {
    /// JPEG (what phone cameras produce).
    Jpeg,
    /// PNG (scans, screenshots).
    Png,
}

impl PhotoKind {
    /// The MIME type to serve the photo with.
    pub fn mime(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
        }
    }
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "jpg",
            PhotoKind::Png => "png",
        }
    }
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = &[0xff, 0xd8, 0xff];

/// Checks that `bytes` is a JPEG or PNG (by magic bytes) whose SHA-256 is
/// `claimed_sha256_hex` (64 hex digits, as in [`crate::Sheet::photo_sha256`]).
pub fn check_photo(bytes: &[u8], claimed_sha256_hex: &str) -> Result<PhotoKind, Rejection> {
    let kind = if bytes.starts_with(JPEG_MAGIC) {
        PhotoKind::Jpeg
    } else if bytes.starts_with(PNG_MAGIC) {
        PhotoKind::Png
    } else {
        return Err(Rejection::PhotoNotImage);
    };
    let claimed = claimed_sha256_hex.to_ascii_lowercase();
    if claimed.len() != 64 || !claimed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Rejection::Malformed(format!("photo hash {claimed_sha256_hex:?} must be 64 hex digits (SHA-256)")));
    }
    let actual = hex::encode(Sha256::digest(bytes));
    if actual != claimed {
        return Err(Rejection::PhotoHashMismatch { claimed, actual });
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_matching_images_only() {
        let jpeg = b"\xff\xd8\xff\xe0 fake jpeg body".to_vec();
        let png = [PNG_MAGIC, b"body"].concat();
        let h = |b: &[u8]| hex::encode(Sha256::digest(b));
        assert_eq!(check_photo(&jpeg, &h(&jpeg)), Ok(PhotoKind::Jpeg));
        assert_eq!(check_photo(&png, &h(&png).to_uppercase()), Ok(PhotoKind::Png));
        assert_eq!(check_photo(b"GIF89a", &h(b"GIF89a")).unwrap_err().code(), "photo_not_image");
        assert_eq!(check_photo(&jpeg, &h(&png)).unwrap_err().code(), "photo_hash_mismatch");
        assert_eq!(check_photo(&jpeg, "abc").unwrap_err().code(), "malformed");
    }
}
