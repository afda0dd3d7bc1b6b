//! Who may sign what: the election and its operator key (entry 0),
//! enrolment and revocation of keys, and authenticating the signer of a
//! sheet or bulletin (enrolled, signature valid, not revoked, within its
//! validity window, allowed the sheet's source, signed recently at intake).

use super::{Applied, At, Plan, Registry, NONE};
use crate::codes::Rejection;
use crate::enrolment::{Enrolment, Revocation};
use crate::entry::{Enrol, Entry, Kind, Revoke, Role, Source};
use crate::ids::name_problem;
use crate::validate::{MAX_CLOCK_SKEW_SECS, MAX_SIGNED_AGE_SECS};
use testigo_note::{Signature, Verifier, ALG_ED25519};

/// What authenticating an entry needs from its note: the (first) signature,
/// the signed text, and the key that already verified that signature when
/// the entry was prepared, if any (then it is not verified again).
#[derive(Clone, Copy)]
pub(super) struct Signed<'a> {
    pub(super) sig: &'a Signature,
    pub(super) text: &'a [u8],
    pub(super) pre: Option<&'a Verifier>,
}

impl Signed<'_> {
    /// Whether `key`'s signature on the text holds (or was already checked
    /// with that very key).
    fn verified_by(&self, key: &Verifier) -> bool {
        self.pre == Some(key) || key.verify_raw(self.text, &self.sig.bytes)
    }
}

/// A signature's key as people read it: `name+keyid`.
pub(super) fn label(sig: &Signature) -> String {
    format!("{}+{:08x}", sig.name, sig.key_id)
}

/// A key as people read it: `name+keyid`.
pub(super) fn vlabel(v: &Verifier) -> String {
    format!("{}+{:08x}", v.name(), v.key_id())
}

/// Checks that an operator-only entry is signed by the operator key.
pub(super) fn verify_operator(operator: &Verifier, kind: Kind, signed: &Signed<'_>) -> Result<(), Rejection> {
    let sig = signed.sig;
    if sig.name != operator.name() || sig.key_id != operator.key_id() {
        return Err(Rejection::NotOperator { kind: kind.as_str(), signer: label(sig), operator: vlabel(operator) });
    }
    if !signed.verified_by(operator) {
        return Err(Rejection::BadSignature { signer: label(sig) });
    }
    Ok(())
}

/// Checks entry 0: an election definition, valid, whose operator key is not
/// weak and signed it. Any other entry before it is out of order.
pub(super) fn plan_election(index: u64, entry: Entry, signed: &Signed<'_>) -> Result<Plan, Rejection> {
    let Entry::Election(def) = entry else {
        return Err(Rejection::OutOfOrder(format!(
            "the log has no election definition yet: entry 0 must be an election entry, not {}",
            entry.kind()
        )));
    };
    if index != 0 {
        return Err(Rejection::OutOfOrder(format!("the election definition must be entry 0, not entry {index}")));
    }
    def.validate().map_err(|e| Rejection::InvalidDefinition(e.to_string()))?;
    let operator = def.operator_verifier().map_err(|e| Rejection::InvalidDefinition(e.to_string()))?;
    if operator.public_key().is_weak() {
        // A small-order key lets anyone forge the operator's signatures.
        return Err(Rejection::InvalidDefinition(
            "the operator key is a weak (small-order) Ed25519 key that anyone could forge signatures for; \
             generate a fresh one with `testigo keygen`"
                .into(),
        ));
    }
    // The election is checked once per log, so never against a prepared verification.
    verify_operator(&operator, Kind::Election, &Signed { pre: None, ..*signed })?;
    Ok(Plan::Election { def: Box::new(def), operator })
}

impl Registry {
    /// The operator key, once entry 0 is applied.
    pub fn operator(&self) -> Option<&Verifier> {
        self.operator.as_ref()
    }

    /// All enrolments, in log order (revoked ones included).
    pub fn enrolments(&self) -> &[Enrolment] {
        &self.enrolments
    }

    /// The enrolment of the key with this name and key ID.
    pub fn enrolment_for(&self, name: &str, key_id: u32) -> Option<&Enrolment> {
        self.find_enrolment(name, key_id).map(|i| &self.enrolments[i])
    }

    /// The position of the enrolment of the key with this name and key ID.
    pub(super) fn find_enrolment(&self, name: &str, key_id: u32) -> Option<usize> {
        let candidates = self.keys_by_id.get(&key_id)?;
        candidates.iter().map(|&i| i as usize).find(|&i| self.enrolments[i].verifier.name() == name)
    }

    /// Checks an enrolment (operator-signed, already authenticated): an
    /// Ed25519 key that is not weak and not enrolled yet, readable names, a
    /// validity window in order, an existing scope unit.
    pub(super) fn plan_enrol(&self, index: u64, e: Enrol) -> Result<Plan, Rejection> {
        let invalid = |m: String| Rejection::InvalidDefinition(m);
        let verifier = Verifier::parse(&e.key)
            .map_err(|err| invalid(format!("enrolled key is not a valid verifier key line: {err}")))?;
        if verifier.algorithm() != ALG_ED25519 {
            return Err(invalid("enrolled keys must be Ed25519 (type 0x01) note keys".into()));
        }
        // A small-order public key lets anyone forge signatures that verify under it (the
        // signature equation no longer binds the message), so such a key must never be enrolled.
        if verifier.public_key().is_weak() {
            return Err(invalid(
                "enrolled key is a weak (small-order) Ed25519 point that anyone could forge signatures for: \
                 generate a fresh key with `testigo keygen`"
                    .into(),
            ));
        }
        for (what, v) in [("holder", &e.holder), ("organisation", &e.organisation)] {
            if let Some(why) = name_problem(v) {
                return Err(invalid(format!("{what} {v:?}: {why}")));
            }
        }
        if e.valid_from > e.valid_until {
            return Err(invalid(format!(
                "valid_from {} is after valid_until {}: swap them or fix the dates",
                e.valid_from, e.valid_until
            )));
        }
        let scope_unit = match &e.scope {
            None => None,
            Some(id) => Some(self.geography.find_unit(id).ok_or_else(|| Rejection::UnknownUnit(id.clone()))?),
        };
        if let Some(i) = self.find_enrolment(verifier.name(), verifier.key_id()) {
            return Err(Rejection::DuplicateKey { key: vlabel(&verifier), enrolled_at: self.enrolments[i].index });
        }
        // Enrolment positions are stored as u32 (sheet signers).
        if self.enrolments.len() >= NONE as usize {
            return Err(invalid("too many enrolments".into()));
        }
        Ok(Plan::Enrol(Box::new(Enrolment {
            index,
            verifier,
            role: e.role,
            holder: e.holder,
            organisation: e.organisation,
            scope: e.scope,
            valid_from: e.valid_from,
            valid_until: e.valid_until,
            revoked: None,
            scope_unit,
        })))
    }

    /// Checks a revocation (operator-signed, already authenticated): the
    /// exact key is enrolled and not revoked yet, and the reason is readable.
    pub(super) fn plan_revoke(&self, r: Revoke) -> Result<Plan, Rejection> {
        let verifier = Verifier::parse(&r.key).map_err(|err| {
            Rejection::InvalidDefinition(format!("revoked key is not a valid verifier key line: {err}"))
        })?;
        let i = self
            .find_enrolment(verifier.name(), verifier.key_id())
            .filter(|&i| self.enrolments[i].verifier == verifier)
            .ok_or_else(|| Rejection::UnknownKey { signer: vlabel(&verifier) })?;
        if let Some(rev) = &self.enrolments[i].revoked {
            return Err(Rejection::RevokedKey {
                key: vlabel(&verifier),
                revoked_at: rev.index,
                reason: rev.reason.clone(),
            });
        }
        if let Some(why) = name_problem(&r.reason) {
            return Err(Rejection::InvalidDefinition(format!("revocation reason: {why}")));
        }
        Ok(Plan::Revoke { enrolment: i, reason: r.reason })
    }

    /// The enrolment that authenticates a signed sheet or bulletin at
    /// `at.index`: enrolled, signature valid (unless already verified with
    /// that very key), not revoked before the index, valid at `signed_at`,
    /// allowed to vouch for `source`, and (at intake, `at.now`) signed recently.
    pub(super) fn authenticate(
        &self,
        at: At,
        signed: &Signed<'_>,
        signed_at: u64,
        source: Source,
    ) -> Result<usize, Rejection> {
        self.authenticate_as(at, signed, signed_at, |r| r.may_submit(source), || format!("{source} sheets"))
    }

    /// [`Self::authenticate`] with the role rule given: `allowed` says which
    /// roles may sign, `what` names what was signed for the refusal.
    pub(super) fn authenticate_as(
        &self,
        at: At,
        signed: &Signed<'_>,
        signed_at: u64,
        allowed: impl Fn(Role) -> bool,
        what: impl Fn() -> String,
    ) -> Result<usize, Rejection> {
        let sig = signed.sig;
        let ei =
            self.find_enrolment(&sig.name, sig.key_id).ok_or_else(|| Rejection::UnknownKey { signer: label(sig) })?;
        let enr = &self.enrolments[ei];
        if !signed.verified_by(&enr.verifier) {
            return Err(Rejection::BadSignature { signer: label(sig) });
        }
        if let Some(rev) = enr.revoked_before(at.index) {
            return Err(Rejection::RevokedKey { key: label(sig), revoked_at: rev.index, reason: rev.reason.clone() });
        }
        if !enr.valid_at(signed_at) {
            return Err(Rejection::ExpiredKey {
                key: label(sig),
                signed_at,
                valid_from: enr.valid_from,
                valid_until: enr.valid_until,
            });
        }
        if !allowed(enr.role) {
            return Err(Rejection::WrongRole { key: label(sig), role: enr.role, what: what() });
        }
        if let Some(now) = at.now {
            if signed_at > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
                return Err(Rejection::ClockSkew { signed_at, now, max_secs: MAX_CLOCK_SKEW_SECS });
            }
            if signed_at < now.saturating_sub(MAX_SIGNED_AGE_SECS) {
                return Err(Rejection::ClockSkew { signed_at, now, max_secs: MAX_SIGNED_AGE_SECS });
            }
        }
        Ok(ei)
    }

    /// Records a checked enrolment.
    pub(super) fn commit_enrol(&mut self, index: u64, enr: Enrolment) -> Applied {
        let pos = self.enrolments.len() as u32;
        self.keys_by_id.entry(enr.verifier.key_id()).or_default().push(pos);
        self.enrolments.push(enr);
        Applied::new(index, Kind::Enrol)
    }

    /// Records a checked revocation.
    pub(super) fn commit_revoke(&mut self, index: u64, enrolment: usize, reason: String) -> Applied {
        self.enrolments[enrolment].revoked = Some(Revocation { index, reason });
        Applied::new(index, Kind::Revoke)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{code, enc, enrol, setup, sheet, submit, DAY, NOW};
    use crate::entry::{Entry, Revoke, Role, Source};

    #[test]
    fn operator_entries_need_the_operator_key() {
        let (mut reg, k) = setup();
        assert_eq!(code(&mut reg, &enrol(&k.stranger, Role::Witness, None), &k.w), "not_operator");
        // The same entry by the operator is fine; twice is a duplicate.
        submit(&mut reg, &enrol(&k.stranger, Role::Witness, None), &k.operator).unwrap();
        assert_eq!(code(&mut reg, &enrol(&k.stranger, Role::Witness, None), &k.operator), "duplicate_key");
    }

    #[test]
    fn enrolment_rules() {
        let (mut reg, k) = setup();
        let mut backwards = enrol(&k.stranger, Role::Witness, None);
        if let Entry::Enrol(e) = &mut backwards {
            e.valid_from = NOW + DAY;
            e.valid_until = NOW - DAY;
        }
        assert_eq!(code(&mut reg, &backwards, &k.operator), "invalid_definition");
        assert_eq!(code(&mut reg, &enrol(&k.stranger, Role::Witness, Some("nowhere")), &k.operator), "unknown_unit");
        assert!(reg.enrolment_for(k.stranger.name(), k.stranger.verifier().key_id()).is_none());
    }

    #[test]
    fn signers_must_be_enrolled_valid_unrevoked_and_in_role() {
        let (mut reg, k) = setup();
        assert_eq!(code(&mut reg, &Entry::Sheet(sheet("T1")), &k.stranger), "unknown_key");
        let mut official = sheet("T1");
        official.source = Source::Official;
        assert_eq!(code(&mut reg, &Entry::Sheet(official), &k.w), "wrong_role");
        let mut late = sheet("T1");
        late.signed_at = NOW + 2 * DAY;
        // Replay (no clock), so only the validity window can refuse it.
        let late = enc(&Entry::Sheet(late), &k.w);
        assert_eq!(reg.apply(reg.next_index(), &late).unwrap_err().code(), "expired_key");

        let revoke = Entry::Revoke(Revoke { key: k.w.verifier().to_vkey(), reason: "lost phone".into() });
        submit(&mut reg, &revoke, &k.operator).unwrap();
        let err = submit(&mut reg, &Entry::Sheet(sheet("T1")), &k.w).unwrap_err();
        assert_eq!(err.code(), "revoked_key");
        assert!(err.to_string().contains("lost phone"), "{err}");
        assert_eq!(code(&mut reg, &revoke, &k.operator), "revoked_key", "revoked once");
        let enr = reg.enrolment_for(k.w.name(), k.w.verifier().key_id()).unwrap();
        assert!(enr.revoked.is_some());
    }

    #[test]
    fn a_tampered_note_fails_even_when_prepared() {
        let (reg, k) = setup();
        let signed = enc(&Entry::Sheet(sheet("T1")), &k.w);
        let tampered = String::from_utf8(signed).unwrap().replace("\"null\":5", "\"null\":6");
        let p = reg.prepare(tampered.as_bytes()).unwrap();
        assert!(p.verified_by().is_none());
        assert_eq!(reg.check_prepared(reg.next_index(), &p, NOW).unwrap_err().code(), "bad_signature");
        let good = reg.prepare(&enc(&Entry::Sheet(sheet("T1")), &k.w)).unwrap();
        assert_eq!(good.verified_by(), Some(&k.w.verifier()));
    }
}
