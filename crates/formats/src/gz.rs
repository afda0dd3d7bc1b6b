//! Gzip decompression for the datasets shipped compressed in the repository.
//!
//! The CLI (`testigo import` and `testigo demo`) reads `data/**/*.csv.gz`
//! through these functions and hands the result to the parsers; the helper
//! lives here so that tests, benchmarks and the CLI decompress the same way,
//! always with a cap on the decompressed size.

use std::io::Read;

/// Largest decompressed size [`decompress_gz`] accepts: 256 MiB, far above
/// any tally-sheet dataset, but low enough that a hostile "gzip bomb" cannot
/// exhaust memory.
pub const DEFAULT_GZ_LIMIT: u64 = 256 * 1024 * 1024;

/// Errors from decompressing gzip data.
#[derive(Debug, thiserror::Error)]
pub enum GzError {
    /// The input is not gzip or is truncated/corrupt.
    #[error("cannot decompress gzip data: {0}; check that the file is a complete .gz file")]
    Corrupt(#[from] std::io::Error),
    /// The decompressed data would exceed the caller's limit.
    #[error("decompressed data exceeds the limit of {limit} bytes; raise the limit if the file is trusted")]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: u64,
    },
}

/// Decompresses gzip data (all members, as `zcat` does) up to
/// [`DEFAULT_GZ_LIMIT`] bytes.
pub fn decompress_gz(bytes: &[u8]) -> Result<Vec<u8>, GzError> {
    decompress_gz_limited(bytes, DEFAULT_GZ_LIMIT)
}

/// Decompresses gzip data, failing if the output would exceed `limit` bytes.
pub fn decompress_gz_limited(bytes: &[u8], limit: u64) -> Result<Vec<u8>, GzError> {
    let mut out = Vec::new();
    // Read one byte past the limit so that "exactly at the limit" and
    // "over it" can be told apart.
    flate2::read::MultiGzDecoder::new(bytes).take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(GzError::TooLarge { limit });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn round_trip() {
        assert_eq!(decompress_gz(&gzip(b"hello")).unwrap(), b"hello");
    }

    #[test]
    fn limit_is_enforced() {
        let gz = gzip(&[0u8; 100]);
        assert!(decompress_gz_limited(&gz, 100).is_ok());
        assert!(matches!(decompress_gz_limited(&gz, 99), Err(GzError::TooLarge { limit: 99 })));
    }

    #[test]
    fn a_gzip_bomb_is_refused() {
        // 64 MiB of zeros compress to about 64 KiB; the limit stops the
        // decoder at 1 MiB + 1 byte instead of inflating it all.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            e.write_all(&zeros).unwrap();
        }
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < 1 << 20, "{} bytes compressed", bomb.len());
        let err = decompress_gz_limited(&bomb, 1 << 20).unwrap_err();
        assert!(matches!(err, GzError::TooLarge { limit: 1_048_576 }));
        assert!(err.to_string().contains("exceeds the limit of 1048576 bytes"), "{err}");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(decompress_gz(b"not gzip"), Err(GzError::Corrupt(_))));
        let gz = gzip(b"hello world");
        assert!(decompress_gz(&gz[..gz.len() - 4]).is_err());
    }
}
