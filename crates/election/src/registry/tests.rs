//! A small election for the registry's unit tests, and the tests of the one
//! apply path (order guard, every entry point agreeing). Each concern's own
//! rules are tested in its module, on this fixture.

use super::{Applied, Registry};
use crate::chunk::GeographyChunk;
use crate::codes::Rejection;
use crate::entry::{encode_signed, Enrol, Entry, Role, Sheet, Source};
use crate::geography::{Table, Unit};
use crate::model::{Candidate, Contest, ElectionDef, DEFAULT_MAX_TABLE_VOTERS};
use std::collections::BTreeMap;
use testigo_note::{Signer, ALG_ED25519};

/// "Now" for every test, unix seconds.
pub(super) const NOW: u64 = 1_722_000_000;
/// Keys are valid a day either side of [`NOW`].
pub(super) const DAY: u64 = 86_400;

/// The fixture's keys (deterministic, so failures reproduce).
pub(super) struct Keys {
    pub(super) operator: Signer,
    /// Witness for the whole election.
    pub(super) w: Signer,
    /// Another witness for the whole election.
    pub(super) w2: Signer,
    /// Witness scoped to unit S1 (table T1).
    pub(super) ws1: Signer,
    /// Publisher for the whole election.
    pub(super) publisher: Signer,
    /// Publisher scoped to unit S1.
    pub(super) publisher_s1: Signer,
    /// Enrolled nowhere.
    pub(super) stranger: Signer,
}

/// A key named `name`, from a fixed seed.
pub(super) fn key(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, ALG_ED25519, [seed; 32]).expect("a test key")
}

/// The fixture's keys.
pub(super) fn keys() -> Keys {
    Keys {
        operator: key("operator.example", 1),
        w: key("w.example", 2),
        w2: key("w2.example", 3),
        ws1: key("ws1.example", 4),
        publisher: key("publisher.example", 5),
        publisher_s1: key("publisher-s1.example", 6),
        stranger: key("stranger.example", 7),
    }
}

/// One contest (`p`: candidates `a`, `b`), units S1 and S2, tables T1 (in
/// S1, 300 registered) and T2 (in S2).
pub(super) fn election(operator: &Signer) -> ElectionDef {
    let cand = |id: &str| Candidate { id: id.into(), name: format!("Candidate {id}"), cards: Vec::new() };
    ElectionDef {
        id: "unit-2024".into(),
        name: "Unit test election".into(),
        date: "2024-07-28".into(),
        levels: vec!["state".into(), "table".into()],
        contests: vec![Contest { id: "p".into(), name: "President".into(), candidates: vec![cand("a"), cand("b")] }],
        total_tables: Some(2),
        registry: Some(600),
        max_table_voters: DEFAULT_MAX_TABLE_VOTERS,
        operator: operator.verifier().to_vkey(),
    }
}

/// The fixture's geography, in one chunk.
pub(super) fn geography() -> GeographyChunk {
    let unit = |id: &str| Unit { id: id.into(), parent: None, level: 0, name: format!("Unit {id}") };
    GeographyChunk {
        declared: Vec::new(),
        units: vec![unit("S1"), unit("S2")],
        tables: vec![
            Table { id: "T1".into(), unit: "S1".into(), registered: Some(300) },
            Table { id: "T2".into(), unit: "S2".into(), registered: None },
        ],
    }
}

/// An enrolment of `key`, valid a day either side of [`NOW`].
pub(super) fn enrol(key: &Signer, role: Role, scope: Option<&str>) -> Entry {
    Entry::Enrol(Enrol {
        key: key.verifier().to_vkey(),
        role,
        holder: format!("Holder of {}", key.name()),
        organisation: "Unit Observers".into(),
        scope: scope.map(Into::into),
        valid_from: NOW - DAY,
        valid_until: NOW + DAY,
    })
}

/// A consistent witness sheet for `table`: a 100, b 50, null 5.
pub(super) fn sheet(table: &str) -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: "unit-2024".into(),
        table: table.into(),
        contest: "p".into(),
        source: Source::Witness,
        votes: BTreeMap::from([("a".into(), 100), ("b".into(), 50)]),
        valid: Some(150),
        null: Some(5),
        blank: None,
        voters: None,
        registered: None,
        photo_sha256: None,
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: NOW,
    }
}

/// `entry` signed by `signer`.
pub(super) fn enc(entry: &Entry, signer: &Signer) -> Vec<u8> {
    encode_signed(entry, signer).expect("a test entry encodes")
}

/// Checks `entry` at [`NOW`] and applies it at the next index, insisting
/// that `check` and `apply` agree.
pub(super) fn submit(reg: &mut Registry, entry: &Entry, signer: &Signer) -> Result<Applied, Rejection> {
    let bytes = enc(entry, signer);
    let checked = reg.check(&bytes, NOW);
    let applied = reg.apply(reg.next_index(), &bytes);
    match (&checked, &applied) {
        (Ok(flags), Ok(a)) => assert_eq!(flags, &a.flags, "check and apply flag differently"),
        (Err(c), Err(a)) => assert_eq!(c, a, "check and apply reject differently"),
        _ => panic!("check {checked:?} but apply {applied:?}"),
    }
    applied
}

/// The code of the rejection `entry` gets (panics if it is accepted).
pub(super) fn code(reg: &mut Registry, entry: &Entry, signer: &Signer) -> &'static str {
    match submit(reg, entry, signer) {
        Ok(a) => panic!("expected a rejection, got {a:?}"),
        Err(r) => r.code(),
    }
}

/// A registry with the election, geography and the keys of [`Keys`]
/// (except the stranger) applied.
pub(super) fn setup() -> (Registry, Keys) {
    let k = keys();
    let mut reg = Registry::new();
    submit(&mut reg, &Entry::Election(election(&k.operator)), &k.operator).expect("election");
    submit(&mut reg, &Entry::Geography(geography()), &k.operator).expect("geography");
    for (key, role, scope) in [
        (&k.w, Role::Witness, None),
        (&k.w2, Role::Witness, None),
        (&k.ws1, Role::Witness, Some("S1")),
        (&k.publisher, Role::Publisher, None),
        (&k.publisher_s1, Role::Publisher, Some("S1")),
    ] {
        submit(&mut reg, &enrol(key, role, scope), &k.operator).expect("enrolment");
    }
    (reg, k)
}

#[test]
fn entry_zero_must_be_the_election_and_only_entry_zero() {
    let k = keys();
    let mut reg = Registry::new();
    let geo = enc(&Entry::Geography(geography()), &k.operator);
    let err = reg.apply(0, &geo).unwrap_err();
    assert_eq!(err.code(), "out_of_order");
    assert!(err.to_string().contains("entry 0 must be an election entry"), "{err}");

    let def = enc(&Entry::Election(election(&k.operator)), &k.operator);
    let err = reg.apply(1, &def).unwrap_err();
    assert!(err.to_string().contains("must be entry 0, not entry 1"), "{err}");
    assert_eq!(reg.next_index(), 0, "a rejection changes nothing");

    reg.apply(0, &def).unwrap();
    let again = enc(&Entry::Election(election(&k.operator)), &k.operator);
    let err = reg.apply(1, &again).unwrap_err();
    assert!(err.to_string().contains("never redefined"), "{err}");
}

#[test]
fn every_entry_point_refuses_a_passed_index_alike() {
    let (mut reg, k) = setup();
    let bytes = enc(&Entry::Sheet(sheet("T1")), &k.w);
    let passed = reg.next_index() - 1;
    let want = Rejection::OutOfOrder(format!(
        "index {passed} was already passed (next is {}): apply each entry once, in log order",
        reg.next_index()
    ));
    assert_eq!(reg.apply(passed, &bytes).unwrap_err(), want);
    assert_eq!(reg.check_and_apply(passed, &bytes, NOW).unwrap_err(), want);
    let prepared = || reg.prepare(&bytes).unwrap();
    assert_eq!(reg.check_prepared(passed, &prepared(), NOW).unwrap_err(), want);
    let (p1, p2) = (prepared(), prepared());
    assert_eq!(reg.apply_prepared(passed, p1, NOW).unwrap_err(), want);
    assert_eq!(reg.apply_prepared_replay(passed, p2).unwrap_err(), want);
    // The guard comes before decoding: even garbage at a passed index is out of order.
    assert_eq!(reg.apply(passed, b"garbage").unwrap_err(), want);
}

#[test]
fn every_entry_point_gives_the_same_verdict() {
    let k = keys();
    let first = enc(&Entry::Sheet(sheet("T1")), &k.w);
    let mut other = sheet("T1");
    other.null = Some(6);
    let second = enc(&Entry::Sheet(other), &k.w2);
    let run = |how: usize| {
        // A fresh registry per entry point (Registry is not Clone).
        let mut reg = Registry::new();
        submit(&mut reg, &Entry::Election(election(&k.operator)), &k.operator).unwrap();
        submit(&mut reg, &Entry::Geography(geography()), &k.operator).unwrap();
        submit(&mut reg, &enrol(&k.w, Role::Witness, None), &k.operator).unwrap();
        submit(&mut reg, &enrol(&k.w2, Role::Witness, None), &k.operator).unwrap();
        let mut out = Vec::new();
        for bytes in [&first, &second] {
            let i = reg.next_index() + 3; // gaps are entries the caller skipped
            let got = match how {
                0 => reg.apply(i, bytes),
                1 => reg.check_and_apply(i, bytes, NOW),
                2 => {
                    let p = reg.prepare(bytes).unwrap();
                    assert_eq!(reg.check_prepared(i, &p, NOW), Ok(()));
                    reg.apply_prepared(i, p, NOW)
                }
                _ => {
                    let p = reg.prepare_batch(&[bytes.as_slice()]).pop().unwrap().unwrap();
                    reg.apply_prepared_replay(i, p)
                }
            };
            out.push(got.unwrap());
        }
        assert_eq!(reg.next_index(), out[1].index + 1);
        out
    };
    let want = run(0);
    assert_eq!(want[1].flags, vec![crate::Flag::ConflictsWithEarlier]);
    for how in 1..4 {
        assert_eq!(run(how), want, "entry point {how}");
    }
}

#[test]
fn only_intake_checks_the_clock() {
    let (mut reg, k) = setup();
    // Signed an hour in the future by a fast device clock.
    let mut old = sheet("T1");
    old.signed_at = NOW + 3_600;
    let bytes = enc(&Entry::Sheet(old), &k.w);
    let i = reg.next_index();
    assert_eq!(reg.check_and_apply(i, &bytes, NOW).unwrap_err().code(), "clock_skew");
    assert_eq!(reg.check(&bytes, NOW).unwrap_err().code(), "clock_skew");
    let p = reg.prepare(&bytes).unwrap();
    assert_eq!(reg.check_prepared(i, &p, NOW).unwrap_err().code(), "clock_skew");
    // Replay has no clock: the log is what it is.
    assert!(reg.apply(i, &bytes).is_ok());
}

#[test]
fn a_sheet_signed_offline_is_accepted_for_three_days() {
    let (reg, k) = setup();
    let at = |ago: u64| {
        let mut s = sheet("T1");
        s.signed_at = NOW - ago;
        enc(&Entry::Sheet(s), &k.w)
    };
    assert_eq!(
        reg.check(&at(5 * 3_600), NOW).err().map(|e| e.to_string()),
        None,
        "signed at the table, delivered five hours later"
    );
    // The clock's bound alone: signed at NOW (within the key's validity), delivered later.
    let age = crate::MAX_SIGNED_AGE_SECS;
    assert!(reg.check(&at(0), NOW + age).is_ok());
    assert_eq!(reg.check(&at(0), NOW + age + 1).unwrap_err().code(), "clock_skew");
}
