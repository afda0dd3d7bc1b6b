//! Official bulletins as log entries: accepted only from enrolled publisher or
//! importer keys within validity and not revoked; unknown contest, candidate
//! or unit refused; stored in log order with their signer.

use crate::common;

use common::*;
use testigo_election::*;

fn bulletin() -> Bulletin {
    Bulletin {
        contest: "president".into(),
        label: "Authority bulletin 1".into(),
        source: "https://authority.example/bulletin-1.pdf".into(),
        date: Some("2024-07-29".into()),
        unit: None,
        counts: vec![
            BulletinCount { candidates: vec!["a".into()], votes: 600, percent: Some("60.00".into()) },
            BulletinCount { candidates: vec!["b".into(), "c".into()], votes: 400, percent: None },
        ],
        valid: Some(1_000),
        null: Some(10),
        voters: None,
        registry: Some(2_000),
        tables_counted_percent: Some("80".into()),
        signed_at: NOW,
    }
}

#[test]
fn publisher_and_importer_bulletins_are_stored_with_their_signer() {
    let mut log = setup();
    let k = keys();
    let a = log.submit_entry(&Entry::Bulletin(bulletin()), &k.publisher).unwrap();
    assert_eq!(a.kind, Kind::Bulletin);
    assert_eq!(a.contest.as_deref(), Some("president"));
    let mut unit = bulletin();
    unit.unit = Some("S1".into());
    unit.label = "Authority bulletin for S1".into();
    let b = log.submit_entry(&Entry::Bulletin(unit.clone()), &k.importer).unwrap();
    let got = log.reg.bulletins();
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].index, &got[0].bulletin), (a.index, &bulletin()));
    assert_eq!((got[1].index, &got[1].bulletin), (b.index, &unit));
    let signer = &log.reg.enrolments()[got[0].signer];
    assert_eq!(signer.verifier.name(), "publisher.example");
    assert_eq!(signer.role, Role::Publisher);
    assert_eq!(log.reg.enrolments()[got[1].signer].role, Role::Importer);
    // Bulletins are not sheets.
    assert_eq!(log.reg.sheet_count(), 0);
    // Replaying the log gives the same bulletins.
    assert_eq!(log.replay().bulletins(), got);
    // prepare + apply_prepared agree with apply.
    let mut fresh = Registry::new();
    for (i, bytes) in &log.entries {
        let p = fresh.prepare(bytes).unwrap();
        fresh.apply_prepared(*i, p, NOW).unwrap();
    }
    assert_eq!(fresh.bulletins(), got);
}

#[test]
fn bulletin_encoding_is_canonical_and_round_trips() {
    let k = keys();
    let e = Entry::Bulletin(bulletin());
    let text = e.to_text().unwrap();
    assert!(text.starts_with("testigo/v1 bulletin\n{\"contest\":\"president\""), "{text}");
    let bytes = enc(&e, &k.publisher);
    assert_eq!(entry::decode(&bytes).unwrap().0, e);
    // A non-canonical spelling (extra space) is refused.
    let spaced = text.replace("\"votes\":600", "\"votes\": 600");
    let mut n = testigo_note::SignedNote::new(spaced).unwrap();
    n.sign(&k.publisher).unwrap();
    assert!(entry::decode(&n.to_bytes()).is_err());
    // So is an unknown field.
    let extra = text.replace("\"signed_at\"", "\"extra\":1,\"signed_at\"");
    let mut n = testigo_note::SignedNote::new(extra).unwrap();
    n.sign(&k.publisher).unwrap();
    assert!(entry::decode(&n.to_bytes()).is_err());
}

#[test]
fn bulletins_from_keys_that_do_not_count_are_refused() {
    let mut log = setup();
    let k = keys();
    let e = Entry::Bulletin(bulletin());
    // Roles that may not relay official figures.
    for who in [&k.w2, &k.agent, &k.observer] {
        assert_eq!(log.code(&e, who), "wrong_role");
    }
    // Never enrolled; the operator itself is not an enrolled key either.
    assert_eq!(log.code(&e, &k.stranger), "unknown_key");
    assert_eq!(log.code(&e, &k.operator), "unknown_key");
    // Tampered after signing.
    let tampered =
        String::from_utf8(enc(&e, &k.publisher)).unwrap().replace("\"votes\":600", "\"votes\":700").into_bytes();
    assert_eq!(log.submit(&tampered).unwrap_err().code(), "bad_signature");
    // Signed outside the key's validity.
    let mut late = bulletin();
    late.signed_at = NOW + 2 * DAY;
    assert_eq!(log.code(&Entry::Bulletin(late), &k.publisher), "expired_key");
    // Clock skew at intake (check), still valid for the key.
    let mut skewed = bulletin();
    skewed.signed_at = NOW + 3_600;
    let bytes = enc(&Entry::Bulletin(skewed), &k.publisher);
    assert_eq!(log.reg.check(&bytes, NOW).unwrap_err().code(), "clock_skew");
    // Revoked.
    let revoke = Entry::Revoke(Revoke { key: k.publisher.verifier().to_vkey(), reason: "key leaked".into() });
    log.submit_entry(&revoke, &k.operator).unwrap();
    assert_eq!(log.code(&e, &k.publisher), "revoked_key");
    assert!(log.reg.bulletins().is_empty());
}

#[test]
fn bulletins_naming_unknown_things_are_refused() {
    let mut log = setup();
    let k = keys();
    let mut b = bulletin();
    b.contest = "mayor".into();
    assert_eq!(log.code(&Entry::Bulletin(b), &k.publisher), "unknown_contest");
    let mut b = bulletin();
    b.counts[1].candidates.push("zz".into());
    assert_eq!(log.code(&Entry::Bulletin(b), &k.publisher), "unknown_candidate");
    // A candidate of another contest.
    let mut b = bulletin();
    b.counts[0].candidates = vec!["x".into()];
    assert_eq!(log.code(&Entry::Bulletin(b), &k.publisher), "unknown_candidate");
    let mut b = bulletin();
    b.unit = Some("S9".into());
    assert_eq!(log.code(&Entry::Bulletin(b), &k.publisher), "unknown_unit");
    // The same candidate in two figures, no figures, an empty label.
    let mut b = bulletin();
    b.counts[1].candidates.push("a".into());
    assert_eq!(log.code(&Entry::Bulletin(b), &k.publisher), "invalid_definition");
    let mut b = bulletin();
    b.counts.clear();
    assert_eq!(log.code(&Entry::Bulletin(b), &k.publisher), "invalid_definition");
    let mut b = bulletin();
    b.label = " ".into();
    assert_eq!(log.code(&Entry::Bulletin(b), &k.publisher), "invalid_definition");
    assert!(log.reg.bulletins().is_empty());
}
