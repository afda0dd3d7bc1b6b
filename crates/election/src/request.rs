//! Enrolment requests: a key asking to be enrolled (ENTRIES.md §6).
//!
//! A witness makes their key on their own phone, and the private half never
//! leaves it; what reaches the operator is a request, a `testigo/v1
//! enrol_request` note signed by that very key. The signature proves the
//! asker holds the key (nobody can ask for someone else's key to be
//! enrolled, or slip a key they do not hold into a request), and the
//! request says who the holder claims to be, for the operator to judge
//! before writing the `enrol` entry that counts.
//!
//! A request is **not** a log entry: [`crate::decode`] refuses its kind, and
//! nothing in the log refers to it. It is written and checked with the
//! entries' machinery (the same signed note, the same canonical JSON), so
//! anything that can sign a sheet can sign a request.

use serde::{Deserialize, Serialize};
use testigo_note::{SignedNote, Signer, Verifier, ALG_ED25519};

use crate::entry::{parse_canonical_as, with_document, Enrol, EntryError, Role, FORMAT};
use crate::ids::{id_problem, name_problem};

/// The kind word of a request's first line, `testigo/v1 enrol_request`.
/// Never a log entry kind: the log refuses it.
pub const REQUEST_KIND: &str = "enrol_request";

/// The largest request accepted, in bytes (the whole note, signature line
/// included): a key line, two names and a unit id fit in a few hundred bytes,
/// and a server keeps requests nobody vouched for yet, so they stay small.
pub const MAX_REQUEST_BYTES: usize = 4096;

/// What a request asks for: enrol this key, held by this person, vouched for
/// by this organisation, perhaps for one unit. Fields in their canonical
/// order (ENTRIES.md §6): do not reorder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The verifier key line of the key asking to be enrolled (it signs the request).
    pub key: String,
    /// Who holds the key, as they give it.
    pub holder: String,
    /// The organisation they say vouches for them.
    pub organisation: String,
    /// The unit they ask to witness for; `None`: no preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// When the request was made, Unix seconds (as the asker's clock says).
    pub requested_at: u64,
}

impl EnrolRequest {
    /// The note text to sign: `testigo/v1 enrol_request` and the canonical JSON.
    pub fn to_text(&self) -> Result<String, RequestError> {
        let json = serde_json::to_string(self)
            .map_err(|e| RequestError::Malformed(format!("cannot serialise the request: {e}")))?;
        Ok(format!("{FORMAT} {REQUEST_KIND}\n{json}\n"))
    }

    /// The `enrol` entry that grants the request: its key, holder,
    /// organisation and scope (unless `scope` overrides it), with the role
    /// and validity the operator decides.
    pub fn to_enrol(&self, role: Role, scope: Option<String>, valid_from: u64, valid_until: u64) -> Enrol {
        Enrol {
            key: self.key.clone(),
            role,
            holder: self.holder.clone(),
            organisation: self.organisation.clone(),
            scope: scope.or_else(|| self.scope.clone()),
            valid_from,
            valid_until,
        }
    }
}

/// Why a request was refused. Nothing about a refused request is kept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    /// Over [`MAX_REQUEST_BYTES`].
    #[error("the request is {size} bytes; a request is at most {MAX_REQUEST_BYTES} bytes (shorten the names)")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Not a canonical `testigo/v1 enrol_request` note, or a field breaks a rule.
    #[error("{0}")]
    Malformed(String),
    /// The signature is not the requested key's, or does not verify.
    #[error("{0}")]
    BadSignature(String),
}

impl RequestError {
    /// The stable code an API answers with: `bad_request` or `bad_signature`.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::TooLarge { .. } | RequestError::Malformed(_) => "bad_request",
            RequestError::BadSignature(_) => "bad_signature",
        }
    }
}

impl From<EntryError> for RequestError {
    fn from(e: EntryError) -> Self {
        RequestError::Malformed(e.to_string())
    }
}

/// Signs a request with `signer`, which should be the key it names (a
/// request signed by another key is refused by [`decode_request`]).
pub fn encode_request(request: &EnrolRequest, signer: &Signer) -> Result<Vec<u8>, RequestError> {
    let mut note = SignedNote::new(request.to_text()?).map_err(EntryError::from)?;
    note.sign(signer).map_err(EntryError::from)?;
    let bytes = note.to_bytes();
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(RequestError::TooLarge { size: bytes.len() });
    }
    Ok(bytes)
}

/// Decodes and checks a request: at most [`MAX_REQUEST_BYTES`], a canonical
/// signed note (exactly as a log entry, ENTRIES.md §2–3) of kind
/// `enrol_request`, an Ed25519 key that is not weak, readable holder and
/// organisation, a well-formed scope id, and exactly one signature, by the
/// requested key (name and key ID), that verifies strictly. Returns the
/// request and its key. Whether the key is enrolled already, or the scope
/// is a unit of the election, is for the caller, who knows the log.
pub fn decode_request(bytes: &[u8]) -> Result<(EnrolRequest, Verifier), RequestError> {
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(RequestError::TooLarge { size: bytes.len() });
    }
    let (request, note) = with_document(bytes, "a request", |kind, json| {
        if kind != REQUEST_KIND {
            return Err(EntryError::Malformed(format!(
                "this is not an enrolment request: its first line must be `{FORMAT} {REQUEST_KIND}`, not \
                 `{FORMAT} {kind}`"
            )));
        }
        parse_canonical_as::<EnrolRequest>(REQUEST_KIND, json)
    })?;
    let malformed = |m: String| RequestError::Malformed(m);
    let key = Verifier::parse(&request.key)
        .map_err(|e| malformed(format!("key {:?} is not a verifier key line: {e}", request.key)))?;
    if key.algorithm() != ALG_ED25519 {
        return Err(malformed("the key must be an Ed25519 (type 0x01) note key".into()));
    }
    // A small-order key verifies forged signatures: it proves nothing and must never be enrolled.
    if key.public_key().is_weak() {
        return Err(malformed(
            "the key is a weak (small-order) Ed25519 point that anyone could forge signatures for: make a new key"
                .into(),
        ));
    }
    for (what, v) in [("holder", &request.holder), ("organisation", &request.organisation)] {
        if let Some(why) = name_problem(v) {
            return Err(malformed(format!("{what} {v:?}: {why}")));
        }
    }
    if let Some(why) = request.scope.as_deref().and_then(id_problem) {
        return Err(malformed(format!("scope {:?}: {why}", request.scope.as_deref().unwrap_or_default())));
    }
    let sig = &note.signatures()[0];
    if sig.name != key.name() || sig.key_id != key.key_id() {
        return Err(RequestError::BadSignature(format!(
            "the request is signed by {}+{:08x}, but asks to enrol {}+{:08x}: a request must be signed by the key \
             it asks to enrol",
            sig.name,
            sig.key_id,
            key.name(),
            key.key_id()
        )));
    }
    if !key.verify_raw(note.text().as_bytes(), &sig.bytes) {
        return Err(RequestError::BadSignature(format!(
            "the signature of {}+{:08x} does not verify: the request was altered after it was signed, or signed \
             with another key of the same name",
            key.name(),
            key.key_id()
        )));
    }
    Ok((request, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use testigo_note::Signature;

    fn signer(name: &str, seed: u8) -> Signer {
        Signer::from_seed(name, ALG_ED25519, [seed; 32]).unwrap()
    }

    fn request(k: &Signer) -> EnrolRequest {
        EnrolRequest {
            key: k.verifier().to_vkey(),
            holder: "Ana Pérez".into(),
            organisation: "Red de Testigos".into(),
            scope: Some("01".into()),
            requested_at: 1_733_350_000,
        }
    }

    fn code(bytes: &[u8]) -> &'static str {
        decode_request(bytes).unwrap_err().code()
    }

    #[test]
    fn a_signed_request_decodes_to_its_values_and_key() {
        let k = signer("ana.witness.example", 7);
        let bytes = encode_request(&request(&k), &k).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(&format!(
            "testigo/v1 enrol_request\n{{\"key\":\"{}\",\"holder\":\"Ana Pérez\",\"organisation\":\"Red de Testigos\",\
             \"scope\":\"01\",\"requested_at\":1733350000}}\n\n— ana.witness.example ",
            k.verifier().to_vkey()
        )));
        let (req, key) = decode_request(&bytes).unwrap();
        assert_eq!((req, key), (request(&k), k.verifier()));
        // No scope: the field is left out.
        let bare = EnrolRequest { scope: None, ..request(&k) };
        let bytes = encode_request(&bare, &k).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("scope"));
        assert_eq!(decode_request(&bytes).unwrap().0, bare);
    }

    #[test]
    fn the_log_refuses_a_request_as_an_entry() {
        let k = signer("ana.witness.example", 7);
        let err = crate::decode(&encode_request(&request(&k), &k).unwrap()).unwrap_err();
        let EntryError::Malformed(m) = err else { panic!("{err:?}") };
        assert!(m.starts_with("unknown entry kind \"enrol_request\"") && m.contains("/v1/enrolment-requests"), "{m}");
    }

    #[test]
    fn only_the_requested_key_may_sign_it() {
        let (k, other) = (signer("ana.witness.example", 7), signer("eve.example", 8));
        assert_eq!(code(&encode_request(&request(&k), &other).unwrap()), "bad_signature");
        // The same name with another key: the key ID differs.
        let twin = signer("ana.witness.example", 9);
        assert_eq!(code(&encode_request(&request(&k), &twin).unwrap()), "bad_signature");
        // Altered after signing.
        let good = String::from_utf8(encode_request(&request(&k), &k).unwrap()).unwrap();
        assert_eq!(code(good.replace("Ana Pérez", "Eva Pérez").as_bytes()), "bad_signature");
        // Two signatures, even both good ones, are not a request.
        let text = request(&k).to_text().unwrap();
        let sig = |s: &Signer| {
            Signature { name: s.name().into(), key_id: s.key_id(), bytes: s.sign_raw(text.as_bytes()).to_vec() }
                .to_line()
        };
        let two = format!("{text}\n{}\n{}\n", sig(&k), sig(&other));
        assert_eq!(code(two.as_bytes()), "bad_request");
    }

    #[test]
    fn bad_forms_are_refused() {
        let k = signer("ana.witness.example", 7);
        let enc = |r: &EnrolRequest| encode_request(r, &k).unwrap();
        let signed_text = |t: &str| {
            let mut n = SignedNote::new(t.to_string()).unwrap();
            n.sign(&k).unwrap();
            n.to_bytes()
        };
        assert_eq!(code(&enc(&EnrolRequest { holder: " ".into(), ..request(&k) })), "bad_request");
        assert_eq!(code(&enc(&EnrolRequest { organisation: String::new(), ..request(&k) })), "bad_request");
        assert_eq!(code(&enc(&EnrolRequest { scope: Some("a b".into()), ..request(&k) })), "bad_request");
        assert_eq!(code(&enc(&EnrolRequest { key: "not a key".into(), ..request(&k) })), "bad_request");
        // Non-canonical JSON: spacing, order, unknown fields.
        let text = request(&k).to_text().unwrap();
        assert_eq!(code(&signed_text(&text.replace("\",\"holder\"", "\", \"holder\""))), "bad_request");
        assert_eq!(
            code(&signed_text(&text.replace("\"requested_at\"", "\"extra\":1,\"requested_at\""))),
            "bad_request"
        );
        // Another kind, another version.
        assert_eq!(code(&signed_text(&text.replace("enrol_request", "enrol"))), "bad_request");
        assert_eq!(code(&signed_text(&text.replace("testigo/v1", "testigo/v2"))), "bad_request");
        // Too large, whatever it says.
        let big = EnrolRequest { holder: "x".repeat(MAX_REQUEST_BYTES), ..request(&k) };
        assert_eq!(encode_request(&big, &k).unwrap_err().code(), "bad_request");
        assert!(matches!(decode_request(&vec![b'x'; MAX_REQUEST_BYTES + 1]), Err(RequestError::TooLarge { .. })));
        // A weak (small-order) key: the identity point, named and "signed".
        let weak_pk = ed25519_dalek::VerifyingKey::from_bytes(&{
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        })
        .unwrap();
        let weak = Verifier::new("weak.example", ALG_ED25519, weak_pk).unwrap();
        let text = EnrolRequest { key: weak.to_vkey(), ..request(&k) }.to_text().unwrap();
        let sig = Signature { name: weak.name().into(), key_id: weak.key_id(), bytes: vec![0; 64] };
        let note = format!("{text}\n{}\n", sig.to_line());
        let err = decode_request(note.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("weak"), "{err}");
    }

    #[test]
    fn a_granted_request_keeps_its_fields_unless_the_scope_is_overridden() {
        let k = signer("ana.witness.example", 7);
        let e = request(&k).to_enrol(Role::Witness, None, 10, 20);
        assert_eq!(
            (e.key.as_str(), e.scope.as_deref(), e.holder.as_str()),
            (k.verifier().to_vkey().as_str(), Some("01"), "Ana Pérez")
        );
        assert_eq!(request(&k).to_enrol(Role::Witness, Some("02".into()), 10, 20).scope.as_deref(), Some("02"));
    }
}
