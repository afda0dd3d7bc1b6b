//! Reading tally-sheet QR codes from photos: pixels in, QR code texts out.
//!
//! - [`photo`]: every QR code in a JPEG or PNG photo (rqrr and rxing, with
//!   preprocessing passes for tilt, blur, noise, shadows and scale), and
//!   [`photo::scan_sheet`], a quick pass then every pass when the caller
//!   wants more codes.
//! - [`keyspec`]: BU verification keys from command-line arguments.
//! - [`corpus`]: deterministic synthetic sheet photos for tests and the
//!   decode-rate benchmark (`examples/decoderate.rs`).
//!
//! What the codes mean (format detection, counts, hash chains, signatures,
//! `testigo qr inspect`) is `testigo-documents`' business, which uses this
//! crate for photos; this crate must not depend on it nor on the election
//! rules. Unlike `testigo-formats`, it decodes images and may read key
//! files, so it is kept apart from the pure parsers.

pub mod corpus;
pub mod keyspec;
pub mod photo;

pub use keyspec::{add_key_arg, parse_key_arg, KeyArg, KeyArgError};
pub use photo::{
    decode_photo, load_photo, photo_dimensions, scan_gray, scan_gray_with, scan_sheet, sniff_image, DecodedCode,
    Effort, Engine, PhotoError, PhotoFormat, PhotoScan,
};
