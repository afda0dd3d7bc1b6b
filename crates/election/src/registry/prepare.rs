//! Decoding and signature checks ahead of applying: the expensive,
//! stateless part of intake, which callers may run on many threads (or as
//! one batch verification) before [`Registry::apply_prepared`].

use super::Registry;
use crate::codes::Rejection;
use crate::entry::{decode, Entry, EntryError};
use std::collections::HashMap;

use testigo_note::{BatchItem, SignedNote, Verifier};

/// An entry decoded and, where possible, authenticated ahead of applying it
/// ([`Registry::prepare`]).
#[derive(Debug)]
pub struct Prepared {
    entry: Entry,
    note: SignedNote,
    /// The key whose signature on this exact note verified.
    verified_by: Option<Verifier>,
}

impl Prepared {
    /// The decoded entry.
    pub fn entry(&self) -> &Entry {
        &self.entry
    }

    /// The key whose signature on this note verified when it was prepared,
    /// if any: a server may charge rate limits to it, since nobody else can
    /// produce that signature. `None` for unauthenticated notes (rejected
    /// when applied) and for the election definition (checked when applied).
    pub fn verified_by(&self) -> Option<&Verifier> {
        self.verified_by.as_ref()
    }

    /// The signed note the entry came from.
    pub(super) fn note(&self) -> &SignedNote {
        &self.note
    }

    /// The entry, its note and the key that verified it, for applying.
    pub(super) fn into_parts(self) -> (Entry, SignedNote, Option<Verifier>) {
        (self.entry, self.note, self.verified_by)
    }
}

/// Decodes an entry, mapping decoding errors to rejections (an oversized
/// entry keeps its own code, `too_large`).
pub(super) fn decode_entry(bytes: &[u8]) -> Result<(Entry, SignedNote), Rejection> {
    decode(bytes).map_err(|e| match e {
        EntryError::TooLarge { size, max, .. } => Rejection::TooLarge { size, max },
        other => Rejection::Malformed(other.to_string()),
    })
}

impl Registry {
    /// Decodes an entry and verifies its signature against the key that
    /// would authenticate it now (the operator's or an enrolled key), without
    /// changing anything: the expensive, stateless part of intake, which
    /// callers may run on many threads before [`Self::apply_prepared`].
    /// A signature that does not verify here is checked again (and rejected)
    /// when applied, so preparing never changes a verdict.
    pub fn prepare(&self, bytes: &[u8]) -> Result<Prepared, Rejection> {
        let (entry, note) = decode_entry(bytes)?;
        let key = self.expected_key(&entry, &note).filter(|key| {
            let sig = &note.signatures()[0];
            key.verify_raw(note.text().as_bytes(), &sig.bytes)
        });
        let verified_by = key.cloned();
        Ok(Prepared { entry, note, verified_by })
    }

    /// The key that would authenticate `note` now (the operator's, or the
    /// enrolled key named by its first signature), if that key is known and
    /// its name and ID match the signature. Entry 0 (the election) returns
    /// `None`: it is verified when applied, once per log.
    fn expected_key(&self, entry: &Entry, note: &SignedNote) -> Option<&Verifier> {
        static NONE_AHEAD: std::sync::LazyLock<KeysAhead> = std::sync::LazyLock::new(KeysAhead::default);
        self.expected_key_with(entry, note, &NONE_AHEAD)
    }

    /// [`Self::expected_key`], also looking in `ahead` for keys that entries
    /// before this one in the same batch enrol (or the operator key the
    /// batch's election entry names). Applying still decides: an entry signed
    /// by a key not enrolled by then is refused as unknown, whatever was checked.
    fn expected_key_with<'a>(&'a self, entry: &Entry, note: &SignedNote, ahead: &'a KeysAhead) -> Option<&'a Verifier> {
        let sig = note.signatures().first()?;
        let key = match entry {
            Entry::Election(_) => return None,
            Entry::Sheet(_) | Entry::Bulletin(_) => self
                .find_enrolment(&sig.name, sig.key_id)
                .map(|i| &self.enrolments[i].verifier)
                .or_else(|| ahead.enrolled.get(&(sig.name.clone(), sig.key_id)))?,
            _ => self.operator.as_ref().or(ahead.operator.as_ref())?,
        };
        (key.name() == sig.name && key.key_id() == sig.key_id).then_some(key)
    }

    /// [`Self::prepare`] for many entries at once, checking their signatures
    /// with one Ed25519 batch verification (several times faster than one by
    /// one). Each entry is checked against the key that would authenticate it
    /// now, exactly as `prepare` does; entries whose key is not known yet (it
    /// is enrolled later in the same batch) are left unverified and
    /// get the usual single check when applied. If the batch fails, every
    /// entry is checked singly, so the verdicts are those of `prepare`.
    ///
    /// The batch refuses every encoding the strict single check refuses
    /// ([`testigo_note::verify_batch`]), but its equation is cofactored: a
    /// signature whose points carry a torsion component, which only the key's
    /// holder can make, may pass in a batch and fail singly. It cannot forge.
    pub fn prepare_batch(&self, entries: &[&[u8]]) -> Vec<Result<Prepared, Rejection>> {
        let mut out = Self::decode_batch(entries);
        self.verify_decoded(&mut out, &KeysAhead::default());
        out
    }

    /// Decodes entries without checking any signature: the first half of
    /// [`Self::prepare_batch`], for callers that look at a whole group
    /// ([`KeysAhead::of`]) before checking its signatures.
    pub fn decode_batch(entries: &[&[u8]]) -> Vec<Result<Prepared, Rejection>> {
        entries
            .iter()
            .map(|bytes| decode_entry(bytes).map(|(entry, note)| Prepared { entry, note, verified_by: None }))
            .collect()
    }

    /// The second half of [`Self::prepare_batch`]: checks the signatures of
    /// decoded entries in one batch, against the keys known now or enrolled
    /// ahead of them in the same group (`ahead`).
    pub fn verify_decoded(&self, decoded: &mut [Result<Prepared, Rejection>], ahead: &KeysAhead) {
        // (position in `decoded`, key) for entries that go into the batch.
        let mut batch: Vec<(usize, &Verifier)> = Vec::new();
        for (i, prepared) in decoded.iter().enumerate() {
            if let Ok(p) = prepared {
                // Enrolled and operator keys are never weak (refused when applied), and a
                // weak key would fail the batch, so no point check is spent per entry here.
                // A signature of the wrong length is left to the single check, which refuses
                // it, rather than failing the whole batch.
                if let Some(key) = self
                    .expected_key_with(&p.entry, &p.note, ahead)
                    .filter(|_| p.note.signatures()[0].bytes.len() == 64)
                {
                    batch.push((i, key));
                }
            }
        }
        let passed = {
            let items: Vec<BatchItem<'_>> = batch
                .iter()
                .filter_map(|&(i, key)| {
                    let note = &decoded[i].as_ref().ok()?.note;
                    Some(BatchItem {
                        msg: note.text().as_bytes(),
                        sig: &note.signatures()[0].bytes,
                        key: key.public_key(),
                    })
                })
                .collect();
            items.len() == batch.len() && testigo_note::verify_batch(&items)
        };
        for (i, key) in batch {
            if let Ok(p) = &mut decoded[i] {
                // On a failed batch, fall back to the single strict check of `prepare`.
                if passed || key.verify_raw(p.note.text().as_bytes(), &p.note.signatures()[0].bytes) {
                    p.verified_by = Some(key.clone());
                }
            }
        }
    }
}

impl Registry {
    /// [`Self::verify_decoded`] without the signature checks: each entry's
    /// signature is taken as made by the key that would authenticate it now
    /// (or that `ahead` holds). Only for a log writer replaying its own log on
    /// start, after checking that the entries hash to a checkpoint it signed:
    /// it verified every signature before sequencing the entry, so checking
    /// them again only delays the start. Such a writer re-checks them
    /// afterwards and stops if one fails. Everyone else (a verifier, `tally`)
    /// must use [`Self::verify_decoded`] or [`Self::prepare_batch`].
    pub fn trust_decoded(&self, decoded: &mut [Result<Prepared, Rejection>], ahead: &KeysAhead) {
        for p in decoded.iter_mut().flatten() {
            p.verified_by = self.expected_key_with(&p.entry, &p.note, ahead).cloned();
        }
    }
}

/// Keys that entries of a group enrol (and the operator key its election
/// entry names), so the signatures of later entries in the same group can be
/// checked in its batch rather than singly when applied. Which of them an
/// entry may use is still decided when it is applied, in log order.
#[derive(Default, Debug)]
pub struct KeysAhead {
    enrolled: HashMap<(String, u32), Verifier>,
    operator: Option<Verifier>,
}

impl KeysAhead {
    /// The keys the decoded entries enrol (well-formed Ed25519 keys only) and
    /// the operator key of an election entry among them.
    pub fn of(decoded: &[Result<Prepared, Rejection>]) -> KeysAhead {
        let mut ahead = KeysAhead::default();
        for p in decoded.iter().flatten() {
            match &p.entry {
                Entry::Enrol(e) => {
                    if let Ok(v) = Verifier::parse(&e.key) {
                        if v.algorithm() == testigo_note::ALG_ED25519 {
                            ahead.enrolled.entry((v.name().to_string(), v.key_id())).or_insert(v);
                        }
                    }
                }
                Entry::Election(def) if ahead.operator.is_none() => ahead.operator = def.operator_verifier().ok(),
                _ => {}
            }
        }
        ahead
    }

    /// Whether the group enrols no key and names no operator.
    pub fn is_empty(&self) -> bool {
        self.enrolled.is_empty() && self.operator.is_none()
    }
}
