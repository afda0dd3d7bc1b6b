//! Configuring BU verification keys from command-line arguments.
//!
//! One argument configures one key: either a bare key, 64 hex digits (the
//! 32-byte Ed25519 public key), tried for a BU of any state, phase and key
//! version (only [`add_key_arg`] takes it: a logged `trust` entry names its
//! slot), or `[NAME@]VRCH=VALUE[#PIN]`, where
//!
//! - `VRCH` is the key version (`yyyymmdd`, as printed in the BU header);
//! - `VALUE` is the key as 64 hex digits, or the path of a TSE key file
//!   (32 raw bytes, named `[o|s]<uf>qrcode.pub`);
//! - `NAME` is the phase letter and state as in TSE's file names (`sac` is
//!   simulated AC, `osp` official SP); it may be left out when `VALUE` is a
//!   file with TSE's name;
//! - `PIN` is the SHA-512 of the key file in hex, as in TSE's published
//!   lists: the key is refused unless the file hashes to it.
//!
//! Examples: `3c8dd291…` (bare), `sac@20240507=3c8dd291…`,
//! `20240507=keys/sacqrcode.pub#9a1f…`.

use std::path::Path;

use testigo_formats::brazil_bu::{parse_pin_hex, KeyError, KeySet, Phase};

/// Errors from [`add_key_arg`].
#[derive(Debug, thiserror::Error)]
pub enum KeyArgError {
    /// The argument does not have the `[NAME@]VRCH=VALUE[#PIN]` shape.
    #[error(
        "key {arg:?}: expected [NAME@]VRCH=VALUE[#PIN], e.g. sac@20240507=<64 hex digits> or 20240507=sacqrcode.pub"
    )]
    Syntax {
        /// The argument.
        arg: String,
    },
    /// An argument without `=` is taken for a bare key, and it is not 64 hex digits.
    #[error(
        "key {arg:?}: not a bare key ({why}): give the Ed25519 public key as 64 hex digits, \
         or with its slot as [NAME@]VRCH=VALUE[#PIN], e.g. sac@20240507=<64 hex digits> or 20240507=sacqrcode.pub"
    )]
    BareKey {
        /// The argument.
        arg: String,
        /// What is wrong with it.
        why: String,
    },
    /// A bare key where its slot is needed (a logged `trust` entry names the slot of each key).
    #[error(
        "key {arg:?}: say which state, phase and key version the key is for: NAME@VRCH={arg} (e.g. sac@20240507=…)"
    )]
    NoSlot {
        /// The argument.
        arg: String,
    },
    /// `NAME` is not a phase letter and a state.
    #[error("key {arg:?}: {name:?} is not [o|s]<uf> (o official, s simulated; e.g. sac, osp)")]
    BadName {
        /// The argument.
        arg: String,
        /// The name given or taken from the file name.
        name: String,
    },
    /// No `NAME` and the file name is not TSE's.
    #[error("key {arg:?}: say which state and phase the key is for (NAME@…), or name the file [o|s]<uf>qrcode.pub")]
    NoName {
        /// The argument.
        arg: String,
    },
    /// The key file could not be read.
    #[error("key {arg:?}: cannot read {path}: {source}")]
    Read {
        /// The argument.
        arg: String,
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The key itself is refused.
    #[error("key {arg:?}: {source}")]
    Key {
        /// The argument.
        arg: String,
        /// Why.
        source: KeyError,
    },
}

/// Parses `[o|s]<uf>` into a phase and state.
fn parse_name(name: &str) -> Option<(Phase, String)> {
    let mut chars = name.chars();
    let phase = match chars.next()? {
        'o' | 'O' => Phase::Official,
        's' | 'S' => Phase::Simulated,
        _ => return None,
    };
    let uf: String = chars.collect();
    (uf.len() == 2 && uf.bytes().all(|b| b.is_ascii_alphabetic())).then(|| (phase, uf.to_ascii_uppercase()))
}

/// A key argument, parsed and checked: the slot, the key file's contents and
/// the pin given (what a `brazil_bu` trust entry records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyArg {
    /// The state (UF), upper case.
    pub uf: String,
    /// The phase.
    pub phase: Phase,
    /// The key version (`VRCH`, yyyymmdd).
    pub key_version: String,
    /// The key file's contents: the 32-byte Ed25519 public key.
    pub key_file: Vec<u8>,
    /// The pinned SHA-512 of the key file, if given (the key matched it).
    pub pin: Option<[u8; 64]>,
}

/// The 32 bytes of a bare key: exactly 64 hex digits.
fn parse_bare_key(arg: &str) -> Result<Vec<u8>, KeyArgError> {
    let bare = |why: String| KeyArgError::BareKey { arg: arg.to_string(), why };
    if let Some((at, c)) = arg.chars().enumerate().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(bare(format!("{c:?} at position {} is not a hex digit", at + 1)));
    }
    if arg.len() != 64 {
        return Err(bare(format!("it has {} hex digits, not 64", arg.len())));
    }
    hex::decode(arg).map_err(|e| bare(e.to_string()))
}

/// Adds the key that `arg` describes (see the module documentation) to
/// `keys`: a bare key (no `=`) for any slot, else the slot's key, reading a
/// key file if `VALUE` is not hex.
pub fn add_key_arg(keys: &mut KeySet, arg: &str) -> Result<(), KeyArgError> {
    if !arg.contains('=') {
        let bytes = parse_bare_key(arg)?;
        return keys.add_any_slot_key(&bytes).map_err(|source| KeyArgError::Key { arg: arg.to_string(), source });
    }
    let k = parse_key_arg(arg)?;
    keys.add_key_file(&k.uf, k.phase, &k.key_version, &k.key_file, k.pin.as_ref())
        .map_err(|source| KeyArgError::Key { arg: arg.to_string(), source })
}

/// Parses the key that `arg` describes in the `[NAME@]VRCH=VALUE[#PIN]`
/// form (see the module documentation; a bare key has no slot and is
/// refused), reading a key file if `VALUE` is not hex, and checks it as
/// [`KeySet::add_key_file`] would (length, pin, a valid Ed25519 key).
pub fn parse_key_arg(arg: &str) -> Result<KeyArg, KeyArgError> {
    let syntax = || KeyArgError::Syntax { arg: arg.to_string() };
    if !arg.contains('=') && parse_bare_key(arg).is_ok() {
        return Err(KeyArgError::NoSlot { arg: arg.to_string() });
    }
    let (spec, pin) = match arg.rsplit_once('#') {
        Some((spec, pin)) => (spec, Some(pin)),
        None => (arg, None),
    };
    let (left, value) = spec.split_once('=').ok_or_else(syntax)?;
    let (name, key_version) = match left.split_once('@') {
        Some((name, version)) => (Some(name), version),
        None => (None, left),
    };
    if key_version.is_empty() || value.is_empty() {
        return Err(syntax());
    }
    let is_hex = value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit());
    let bytes = if is_hex {
        hex::decode(value).map_err(|_| syntax())?
    } else {
        std::fs::read(value).map_err(|source| KeyArgError::Read {
            arg: arg.to_string(),
            path: value.to_string(),
            source,
        })?
    };
    let name = match name {
        Some(n) => n.to_string(),
        None if !is_hex => Path::new(value)
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_suffix("qrcode.pub"))
            .map(str::to_string)
            .ok_or_else(|| KeyArgError::NoName { arg: arg.to_string() })?,
        None => return Err(KeyArgError::NoName { arg: arg.to_string() }),
    };
    let (phase, uf) =
        parse_name(&name).ok_or_else(|| KeyArgError::BadName { arg: arg.to_string(), name: name.clone() })?;
    let key_err = |source| KeyArgError::Key { arg: arg.to_string(), source };
    let pin = pin.map(parse_pin_hex).transpose().map_err(key_err)?;
    KeySet::new().add_key_file(&uf, phase, key_version, &bytes, pin.as_ref()).map_err(key_err)?;
    Ok(KeyArg { uf, phase, key_version: key_version.to_string(), key_file: bytes, pin })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha512};

    const KEY: &str = "3c8dd2914fc8b20bd80b09744867684c051145e3f8b887d28af3d23a17a843dd";

    #[test]
    fn hex_and_file_forms() {
        let mut keys = KeySet::new();
        add_key_arg(&mut keys, &format!("sac@20240507={KEY}")).unwrap();
        assert!(keys.get("AC", Phase::Simulated, "20240507").is_some());

        let dir = std::env::temp_dir().join(format!("testigo-scan-keyspec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("osPqrcode.pub");
        let raw = hex::decode(KEY).unwrap();
        std::fs::write(&file, &raw).unwrap();
        let pin = hex::encode(Sha512::digest(&raw));
        let mut keys = KeySet::new();
        add_key_arg(&mut keys, &format!("20240507={}#{pin}", file.display())).unwrap();
        assert!(keys.get("SP", Phase::Official, "20240507").is_some());

        let mut bad_pin = pin.clone();
        bad_pin.replace_range(0..1, if pin.starts_with('0') { "1" } else { "0" });
        let err = add_key_arg(&mut KeySet::new(), &format!("20240507={}#{bad_pin}", file.display()));
        assert!(matches!(err, Err(KeyArgError::Key { source: KeyError::PinMismatch { .. }, .. })), "{err:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bare_keys() {
        let mut keys = KeySet::new();
        add_key_arg(&mut keys, KEY).unwrap();
        add_key_arg(&mut keys, &KEY.to_ascii_uppercase()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.candidates(Some("SP"), Some(Phase::Official), Some("20221002")).len(), 1);
        let err = add_key_arg(&mut keys, &KEY[..63]).unwrap_err();
        assert!(err.to_string().contains("it has 63 hex digits, not 64"), "{err}");
        let err = add_key_arg(&mut keys, &format!("{}g", &KEY[..63])).unwrap_err();
        assert!(err.to_string().contains("'g' at position 64 is not a hex digit"), "{err}");
        assert!(matches!(err, KeyArgError::BareKey { .. }));
        // A trust entry needs the slot.
        assert!(matches!(parse_key_arg(KEY), Err(KeyArgError::NoSlot { .. })));
        assert!(matches!(parse_key_arg("nothing"), Err(KeyArgError::Syntax { .. })));
    }

    #[test]
    fn malformed_arguments() {
        let mut keys = KeySet::new();
        assert!(matches!(add_key_arg(&mut keys, "nothing"), Err(KeyArgError::BareKey { .. })));
        assert!(matches!(add_key_arg(&mut keys, &format!("20240507={KEY}")), Err(KeyArgError::NoName { .. })));
        assert!(matches!(add_key_arg(&mut keys, &format!("xac@20240507={KEY}")), Err(KeyArgError::BadName { .. })));
        assert!(matches!(
            add_key_arg(&mut keys, &format!("sac@2024={KEY}")),
            Err(KeyArgError::Key { source: KeyError::BadKeyVersion(_), .. })
        ));
        assert!(matches!(add_key_arg(&mut keys, "sac@20240507=/nonexistent/k.pub"), Err(KeyArgError::Read { .. })));
        assert!(keys.is_empty());
    }
}
