//! Registry rules: every rejection and flag code is produced by an input that
//! should produce it, with `check` and `apply` agreeing; corrections,
//! revocation and scope.

use crate::common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use testigo_election::*;
use testigo_note::{SignedNote, Signer, ALG_ED25519};

fn sign_text(text: &str, signer: &Signer) -> Vec<u8> {
    let mut n = SignedNote::new(text).unwrap();
    n.sign(signer).unwrap();
    n.to_bytes()
}

#[test]
fn every_rejection_code_is_produced() {
    let mut log = setup();
    let k = keys();
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let mut expect = |got: &'static str, want: &'static str| {
        assert_eq!(got, want);
        seen.insert(got);
    };

    // malformed: not a note at all, and a note that is not canonical.
    expect(log.submit(b"hello").unwrap_err().code(), "malformed");
    let text = Entry::Sheet(sheet("T1")).to_text().unwrap().replace("\"null\":5", "\"null\":5.0");
    expect(log.submit(&sign_text(&text, &k.w2)).unwrap_err().code(), "malformed");

    // too_large: a note over the log's limit.
    let mut big = sheet("T1");
    big.qr = Some("q".repeat(MAX_ENTRY_BYTES));
    let text = Entry::Sheet(big).to_text().unwrap();
    expect(log.submit(&sign_text(&text, &k.w2)).unwrap_err().code(), "too_large");

    // out_of_order: a second election definition; an index already passed.
    expect(log.code(&Entry::Election(election(&k.operator)), &k.operator), "out_of_order");
    let ok = enc(&Entry::Sheet(sheet("T2")), &k.w2);
    assert_eq!(log.reg.apply(0, &ok).unwrap_err().code(), "out_of_order");
    let mut empty = Registry::new();
    assert_eq!(empty.check(&ok, NOW).unwrap_err().code(), "out_of_order");
    assert_eq!(empty.apply(0, &ok).unwrap_err().code(), "out_of_order");

    // not_operator: a witness trying to enrol someone.
    expect(log.code(&enrol(&k.stranger, Role::Witness, None), &k.w2), "not_operator");

    // unknown_key: a sheet by a key never enrolled; revoking an unknown key.
    expect(log.code(&Entry::Sheet(sheet("T1")), &k.stranger), "unknown_key");
    let revoke = Entry::Revoke(Revoke { key: k.stranger.verifier().to_vkey(), reason: "lost".into() });
    expect(log.code(&revoke, &k.operator), "unknown_key");

    // bad_signature: the text altered after signing.
    let signed = enc(&Entry::Sheet(sheet("T2")), &k.w2);
    let tampered = String::from_utf8(signed).unwrap().replace("\"null\":5", "\"null\":6");
    expect(log.submit(tampered.as_bytes()).unwrap_err().code(), "bad_signature");
    // ... and an operator entry signed by an impostor with the operator's name and ID.
    let op_v = k.operator.verifier();
    let real = enc(&enrol(&k.stranger, Role::Witness, None), &k.operator);
    let forged = String::from_utf8(real).unwrap();
    let (text, _) = forged.split_once("\n\n").unwrap();
    let mut note = SignedNote::new(format!("{text}\n")).unwrap();
    let impostor = key(op_v.name(), 99);
    note.sign(&impostor).unwrap();
    let mut sig = note.signatures()[0].clone();
    sig.key_id = op_v.key_id();
    let mut note = SignedNote::new(format!("{text}\n")).unwrap();
    note.push(sig);
    expect(log.submit(&note.to_bytes()).unwrap_err().code(), "bad_signature");

    // wrong_role: an observer signing a sheet; a witness claiming official figures.
    expect(log.code(&Entry::Sheet(sheet("T1")), &k.observer), "wrong_role");
    let mut official = sheet("T1");
    official.source = Source::Official;
    expect(log.code(&Entry::Sheet(official), &k.w2), "wrong_role");

    // expired_key: signed after the validity window.
    let mut late = sheet("T1");
    late.signed_at = NOW + 2 * DAY;
    expect(log.code(&Entry::Sheet(late), &k.w2), "expired_key");

    // out_of_scope: a key for state S1 submitting a table in S2.
    expect(log.code(&Entry::Sheet(sheet("T3")), &k.w1), "out_of_scope");

    // unknown_election / table / contest / candidate.
    let mut s = sheet("T1");
    s.election = "other-2024".into();
    expect(log.code(&Entry::Sheet(s), &k.w2), "unknown_election");
    expect(log.code(&Entry::Sheet(sheet("T9")), &k.w2), "unknown_table");
    let mut s = sheet("T1");
    s.contest = "mayor".into();
    expect(log.code(&Entry::Sheet(s), &k.w2), "unknown_contest");
    let mut s = sheet("T1");
    s.votes.insert("zz".into(), 1);
    expect(log.code(&Entry::Sheet(s), &k.w2), "unknown_candidate");

    // unknown_unit: enrolling a key for a unit that does not exist.
    expect(log.code(&enrol(&k.stranger, Role::Witness, Some("S9")), &k.operator), "unknown_unit");

    // count_out_of_bounds: over 2 × the table's 300 registered; over max_table_voters.
    let mut s = sheet("T1");
    s.votes.insert("a".into(), 601);
    expect(log.code(&Entry::Sheet(s), &k.w2), "count_out_of_bounds");
    let mut s = sheet("T2");
    s.null = Some(5_001);
    expect(log.code(&Entry::Sheet(s), &k.w2), "count_out_of_bounds");

    // bad_supersedes: naming an index that holds no sheet.
    let mut s = sheet("T1");
    s.supersedes = Some(1);
    expect(log.code(&Entry::Sheet(s), &k.w2), "bad_supersedes");

    // duplicate_sheet: the same key twice for one table and contest.
    log.sheet(&sheet("T1"), &k.w2).unwrap();
    expect(log.code(&Entry::Sheet(sheet("T1")), &k.w2), "duplicate_sheet");

    // duplicate_key: enrolling a key twice.
    expect(log.code(&enrol(&k.w2, Role::Witness, None), &k.operator), "duplicate_key");

    // invalid_definition: validity window backwards.
    let mut e = enrol(&k.stranger, Role::Witness, None);
    if let Entry::Enrol(en) = &mut e {
        std::mem::swap(&mut en.valid_from, &mut en.valid_until);
    }
    expect(log.code(&e, &k.operator), "invalid_definition");

    // revoked_key: a sheet after the key's revocation; revoking it twice.
    let revoke = Entry::Revoke(Revoke { key: k.agent.verifier().to_vkey(), reason: "phone stolen".into() });
    log.submit_entry(&revoke, &k.operator).unwrap();
    let mut s = sheet("T2");
    s.source = Source::PartyAgent;
    expect(log.code(&Entry::Sheet(s), &k.agent), "revoked_key");
    expect(log.code(&revoke, &k.operator), "revoked_key");

    // clock_skew: only `check` knows the time; the log replay accepts it.
    let mut s = sheet("T2");
    s.signed_at = NOW + MAX_CLOCK_SKEW_SECS + 1;
    let bytes = enc(&Entry::Sheet(s), &k.w2);
    let r = log.reg.check(&bytes, NOW).unwrap_err();
    expect(r.code(), "clock_skew");
    assert!(log.reg.check(&bytes, NOW + 60).is_ok());
    let next = log.reg.next_index();
    assert!(log.reg.apply(next, &bytes).is_ok());

    // Photo codes come from check_photo.
    expect(check_photo(b"not an image", &"0".repeat(64)).unwrap_err().code(), "photo_not_image");
    expect(check_photo(b"\xff\xd8\xff\xe0jpeg", &"0".repeat(64)).unwrap_err().code(), "photo_hash_mismatch");

    // Whether a named photo is stored, and how many pixels a photo has, only
    // a server holding the photos can tell: crates/testigo/tests/suite/intake.rs
    // produces these two end to end.
    let mut all: BTreeSet<&str> = REJECTION_CODES.iter().copied().collect();
    all.remove("photo_missing");
    all.remove("photo_too_large");
    assert_eq!(seen, all, "every rejection code must be exercised");
}

#[test]
fn rejections_have_status_and_message() {
    let r = Rejection::UnknownTable("T9".into());
    assert_eq!((r.code(), r.http_status()), ("unknown_table", 404));
    assert!(r.message().contains("T9"));
    assert_eq!(Rejection::BadSignature { signer: "x".into() }.http_status(), 401);
    assert_eq!(Rejection::DuplicateSheet { earlier: 3 }.http_status(), 409);
    assert!(Rejection::DuplicateSheet { earlier: 3 }.message().contains("supersedes to 3"));
}

/// Decodes "a=1,b=2,null=3[,table=T1]"; anything else is unreadable.
struct TestQr;

impl QrDecoder for TestQr {
    fn read(&self, _: &ElectionDef, _: &Contest, payload: &str) -> QrReading {
        let parse = || -> Result<QrCounts, String> {
            let mut counts = QrCounts::default();
            for part in payload.split(',') {
                let (k, v) = part.split_once('=').ok_or("no '='")?;
                match k {
                    "table" => counts.table = Some(v.into()),
                    "null" => counts.null = Some(v.parse().map_err(|_| "bad null")?),
                    _ => {
                        counts.votes.insert(k.into(), v.parse().map_err(|_| "bad count")?);
                    }
                }
            }
            Ok(counts)
        };
        QrReading { format: "test", signature: None, counts: parse() }
    }
}

fn reading(photo: &str, codes: &[&str]) -> Entry {
    Entry::Reading(PhotoReading {
        photo_sha256: photo.into(),
        codes: codes.iter().map(|c| c.to_string()).collect(),
        reader: "test reader 1".into(),
        signed_at: NOW,
    })
}

#[test]
fn every_flag_code_is_produced() {
    let mut log = setup();
    log.reg.set_qr_decoder(Some(Box::new(TestQr)));
    let k = keys();
    let mut seen = BTreeSet::new();
    let mut flags_of = |log: &mut Log, s: &Sheet, signer: &Signer| -> Vec<Flag> {
        let a = log.sheet(s, signer).unwrap();
        seen.extend(a.flags.iter().map(|f| f.code()));
        a.flags
    };

    // A consistent sheet with a matching QR: no flags.
    let mut s = sheet("T1");
    s.qr = Some("a=100,b=50,c=10,null=5,table=T1".into());
    assert_eq!(flags_of(&mut log, &s, &k.w2), vec![]);

    let mut s = sheet("T1");
    s.contest = "governor".into();
    s.votes = BTreeMap::from([("x".into(), 10), ("y".into(), 20)]);
    s.valid = Some(31);
    s.voters = Some(36);
    assert_eq!(flags_of(&mut log, &s, &k.w2), vec![Flag::CandidateSumMismatch]);

    let mut s = sheet("T2");
    s.voters = Some(100);
    assert_eq!(flags_of(&mut log, &s, &k.w2), vec![Flag::ValidPlusNullExceedsVoters]);

    // T3 has 200 registered (bound 400): 350 voters is possible but suspicious.
    let mut s = sheet("T3");
    s.votes.insert("a".into(), 290);
    s.valid = Some(350);
    s.voters = Some(355);
    assert_eq!(flags_of(&mut log, &s, &k.w2), vec![Flag::VotersExceedRegistered]);

    // QR disagreeing with the typed counts; QR unreadable.
    let mut s = sheet("T2");
    s.contest = "governor".into();
    s.votes = BTreeMap::from([("x".into(), 10), ("y".into(), 20)]);
    s.valid = Some(30);
    s.voters = None;
    s.qr = Some("x=10,y=21,null=5".into());
    assert_eq!(flags_of(&mut log, &s, &k.w2), vec![Flag::QrMismatch]);
    let mut s = sheet("T3");
    s.contest = "governor".into();
    s.votes = BTreeMap::from([("x".into(), 10), ("y".into(), 20)]);
    s.valid = Some(30);
    s.voters = None;
    s.qr = Some("garbage".into());
    assert_eq!(flags_of(&mut log, &s, &k.w21), vec![Flag::QrUnreadable]);

    // The photo's code (read by the server, logged as a reading) disagrees.
    let photo = "ab".repeat(32);
    let mut s = sheet("T3");
    s.photo_sha256 = Some(photo.clone());
    flags_of(&mut log, &s, &k.w21);
    let a = log.submit_entry(&reading(&photo, &["a=100,b=50,c=10,null=5,table=T4"]), &k.operator).unwrap();
    assert_eq!(a.flags, vec![Flag::PhotoQrMismatch]);
    let photo_flag = a.flags[0].code();

    // A party agent reporting different figures for T1/president.
    let mut s = sheet("T1");
    s.source = Source::PartyAgent;
    s.votes.insert("a".into(), 90);
    s.valid = Some(150);
    s.voters = Some(155);
    assert_eq!(flags_of(&mut log, &s, &k.agent), vec![Flag::ConflictsWithEarlier]);

    seen.insert(photo_flag);
    let all: BTreeSet<&str> = FLAG_CODES.iter().copied().collect();
    assert_eq!(seen, all, "every flag code must be exercised");

    // Flags are stored with the sheet.
    let t1 = log.reg.geography().find_table("T1").unwrap();
    let newest = log.reg.sheets_for_table(t1).next().unwrap();
    assert!(newest.flags().contains(Flag::ConflictsWithEarlier));
    assert_eq!(newest.signer().organisation, "Observers Org");
    assert_eq!(newest.votes_for("a"), Some(90));
}

#[test]
fn qr_not_checked_without_decoder() {
    let mut log = setup();
    let mut s = sheet("T1");
    s.qr = Some("garbage".into());
    assert_eq!(log.sheet(&s, &log.k.w2.clone()).unwrap().flags, vec![]);
}

#[test]
fn correction_via_supersedes() {
    let mut log = setup();
    let k = keys();
    let first = log.sheet(&sheet("T2"), &k.w2).unwrap().index;
    let other = log.sheet(&sheet("T1"), &k.w2).unwrap().index;
    // A different figure from another key conflicts...
    let mut agent = sheet("T2");
    agent.source = Source::PartyAgent;
    agent.null = Some(7);
    agent.voters = Some(167);
    assert_eq!(log.sheet(&agent, &k.agent).unwrap().flags, vec![Flag::ConflictsWithEarlier]);

    // ...the witness corrects their sheet to match.
    let mut fixed = sheet("T2");
    fixed.null = Some(7);
    fixed.voters = Some(167);
    fixed.signed_at = NOW + 60;
    fixed.supersedes = Some(first);
    let a = log.sheet(&fixed, &k.w2).unwrap();
    assert_eq!(a.supersedes, Some(first));
    assert_eq!(a.flags, vec![], "the agent's figures agree with the correction");
    assert_eq!(log.reg.sheet_at(first).unwrap().superseded_by(), Some(a.index));
    assert!(!log.reg.sheet_at(first).unwrap().is_current());
    assert_eq!(log.reg.sheet_at(a.index).unwrap().supersedes(), Some(first));

    // The original stays in the registry; it cannot be corrected twice.
    let t2 = log.reg.geography().find_table("T2").unwrap();
    assert_eq!(log.reg.sheets_for_table(t2).count(), 3);
    let mut again = fixed.clone();
    again.null = Some(8);
    again.voters = Some(168);
    assert_eq!(log.code(&Entry::Sheet(again.clone()), &k.w2), "bad_supersedes");
    // Only the signer may correct; only the same table and contest.
    let mut by_agent = again.clone();
    by_agent.source = Source::PartyAgent;
    by_agent.supersedes = Some(a.index);
    assert_eq!(log.code(&Entry::Sheet(by_agent), &k.agent), "bad_supersedes");
    let mut wrong_table = again.clone();
    wrong_table.supersedes = Some(other);
    assert_eq!(log.code(&Entry::Sheet(wrong_table), &k.w2), "bad_supersedes");
    // A correction of the correction is fine.
    again.supersedes = Some(a.index);
    log.sheet(&again, &k.w2).unwrap();

    // Replaying the log gives the same state.
    let fresh = log.replay();
    let v: Vec<_> = fresh.sheets().map(|s| (s.index(), s.superseded_by(), s.flags())).collect();
    let w: Vec<_> = log.reg.sheets().map(|s| (s.index(), s.superseded_by(), s.flags())).collect();
    assert_eq!(v, w);
}

#[test]
fn revocation_affects_only_later_entries() {
    let mut log = setup();
    let k = keys();
    let before = log.sheet(&sheet("T1"), &k.w2).unwrap().index;
    let revoke = Entry::Revoke(Revoke { key: k.w2.verifier().to_vkey(), reason: "device lost".into() });
    let rev = log.submit_entry(&revoke, &k.operator).unwrap().index;
    let r = log.sheet(&sheet("T2"), &k.w2).unwrap_err();
    assert_eq!(
        r,
        Rejection::RevokedKey {
            key: "w2.example+".to_string() + &format!("{:08x}", k.w2.key_id()),
            revoked_at: rev,
            reason: "device lost".into()
        }
    );
    // The earlier sheet still counts, also on replay from scratch.
    assert!(log.reg.sheet_at(before).is_some());
    let fresh = log.replay();
    assert!(fresh.sheet_at(before).unwrap().is_current());
    let e = fresh.enrolment_for(k.w2.name(), k.w2.key_id()).unwrap();
    assert_eq!(e.revoked.as_ref().map(|r| r.index), Some(rev));
    assert!(e.revoked_before(rev).is_none());
    assert!(e.revoked_before(rev + 1).is_some());
    // Other keys are unaffected.
    log.sheet(&sheet("T2"), &k.w1).unwrap();
}

#[test]
fn scope_by_region() {
    let mut log = setup();
    let k = keys();
    // w1 is scoped to state S1 (tables T1, T2), w21 to municipality M21 (T3).
    log.sheet(&sheet("T1"), &k.w1).unwrap();
    log.sheet(&sheet("T2"), &k.w1).unwrap();
    assert_eq!(log.code(&Entry::Sheet(sheet("T3")), &k.w1), "out_of_scope");
    let mut s = sheet("T3");
    s.registered = Some(200);
    log.sheet(&s, &k.w21).unwrap();
    assert_eq!(log.code(&Entry::Sheet(sheet("T1")), &k.w21), "out_of_scope");
    // w2 has no scope: anywhere.
    log.sheet(&sheet("T3"), &k.w2).unwrap();
}

#[test]
fn geography_may_arrive_after_enrolment_and_entry_zero_rules() {
    let k = keys();
    let mut reg = Registry::new();
    // Entry 0 must be the election, self-signed by its operator.
    let def = Entry::Election(election(&k.operator));
    assert_eq!(reg.apply(0, &enc(&def, &k.w1)).unwrap_err().code(), "not_operator");
    assert_eq!(reg.apply(1, &enc(&def, &k.operator)).unwrap_err().code(), "out_of_order");
    let mut bad = election(&k.operator);
    bad.contests[0].candidates[1].id = "a".into();
    assert_eq!(reg.apply(0, &enc(&Entry::Election(bad), &k.operator)).unwrap_err().code(), "invalid_definition");
    reg.apply(0, &enc(&def, &k.operator)).unwrap();
    assert_eq!(reg.election().unwrap().id, "test-2024");
    // Gaps (entries skipped by the replayer) are allowed; going back is not.
    reg.apply(5, &enc(&enrol(&k.w2, Role::Witness, None), &k.operator)).unwrap();
    assert_eq!(reg.next_index(), 6);
    // A sheet before its table exists is unknown_table; after the geography it is fine.
    assert_eq!(reg.apply(6, &enc(&Entry::Sheet(sheet("T1")), &k.w2)).unwrap_err().code(), "unknown_table");
    // A chunk whose table names a missing unit is invalid as a whole.
    let mut broken = geography_chunk();
    broken.tables[0].unit = "M99".into();
    assert_eq!(reg.apply(6, &enc(&Entry::Geography(broken), &k.operator)).unwrap_err().code(), "invalid_definition");
    assert_eq!(reg.geography().unit_count(), 0);
    reg.apply(7, &enc(&Entry::Geography(geography_chunk()), &k.operator)).unwrap();
    let a = reg.apply(8, &enc(&Entry::Sheet(sheet("T1")), &k.w2)).unwrap();
    assert_eq!((a.kind, a.table.as_deref(), a.contest.as_deref()), (Kind::Sheet, Some("T1"), Some("president")));
    assert_eq!(reg.enrolments()[0].index, 5);
    assert_eq!(reg.sheet_count(), 1);
}

#[test]
fn bulk_import_needs_dataset() {
    let mut log = setup();
    let k = keys();
    let mut s = sheet("T1");
    s.source = Source::BulkImport;
    assert_eq!(log.code(&Entry::Sheet(s.clone()), &k.importer), "malformed");
    s.dataset = Some(Dataset { reference: None, name: "cne.csv".into(), sha256: "ab".repeat(32), row: 7 });
    let a = log.sheet(&s, &k.importer).unwrap();
    assert_eq!(log.reg.sheet_at(a.index).unwrap().source(), Source::BulkImport);
    let mut off = sheet("T1");
    off.source = Source::Official;
    log.sheet(&off, &k.publisher).unwrap();
    let mut photo = sheet("T2");
    photo.photo_sha256 = Some("AB".repeat(32));
    assert_eq!(log.code(&Entry::Sheet(photo), &k.w2), "malformed");
}

/// Intake's fast path (prepare on any thread, then apply) gives exactly the
/// verdicts of check + apply, including for forged signatures.
#[test]
fn prepared_path_matches_check_and_apply() {
    let log = setup();
    let k = keys();
    let mut forged = enc(&Entry::Sheet(sheet("T2")), &k.w2);
    let pos = forged.len() - 10;
    forged[pos] ^= 1;
    let mut wrong_key_same_name = enc(&Entry::Sheet(sheet("T3")), &k.w21);
    // Same key name and id as w2 but signed by another key: must not verify.
    let impostor = Signer::from_seed("w2.example", ALG_ED25519, [99; 32]).unwrap();
    let impostor_entry = enc(&Entry::Sheet(sheet("T3")), &impostor);
    let candidates = vec![
        enc(&Entry::Sheet(sheet("T1")), &k.w1),
        forged,
        impostor_entry,
        enc(&Entry::Sheet(sheet("T1")), &k.w1),
        enc(&Entry::Sheet(sheet("T3")), &k.stranger),
        enc(&Entry::Revoke(Revoke { key: k.w21.verifier().to_vkey(), reason: "lost".into() }), &k.operator),
        std::mem::take(&mut wrong_key_same_name),
        b"not a note".to_vec(),
    ];
    let mut slow = log.replay();
    let mut fast = log.replay();
    for bytes in &candidates {
        let i = slow.next_index();
        let a = slow.check(bytes, NOW).and_then(|_| slow.apply(i, bytes)).map(|a| a.flags);
        let b = fast.prepare(bytes).and_then(|p| fast.apply_prepared(i, p, NOW)).map(|a| a.flags);
        assert_eq!(a, b, "verdicts differ for entry {}", String::from_utf8_lossy(bytes));
    }
    assert_eq!(slow.sheet_count(), fast.sheet_count());
    assert_eq!(slow.sheet_count(), log.reg.sheet_count() + 1);
}

#[test]
fn weak_enrolment_key_is_refused() {
    // The identity point (encoding 0x01 followed by zeros) has small order: signatures that
    // verify under it can be made without any secret, so the registry must refuse to enrol it.
    let mut log = setup();
    let k = keys();
    let mut pk = [0u8; 32];
    pk[0] = 1;
    let id = testigo_note::key_id("weak.example", ALG_ED25519, &pk);
    let vkey = format!("weak.example+{id:08x}+AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let parsed = testigo_note::Verifier::parse(&vkey).expect("the identity point parses as a point");
    assert!(parsed.public_key().is_weak());
    let Entry::Enrol(mut e) = enrol(&k.stranger, Role::Witness, None) else { unreachable!() };
    e.key = vkey;
    let err = log.submit_entry(&Entry::Enrol(e.clone()), &k.operator).unwrap_err();
    assert_eq!(err.code(), "invalid_definition");
    assert!(err.to_string().contains("weak"), "message should say why: {err}");
    // The same entry with a normal key is accepted: the refusal is about the key alone.
    e.key = k.stranger.verifier().to_vkey();
    log.submit_entry(&Entry::Enrol(e), &k.operator).unwrap();
}

#[test]
fn batch_prepared_replay_matches_apply() {
    let log = setup();
    let k = keys();
    let mut forged = enc(&Entry::Sheet(sheet("T2")), &k.w2);
    let pos = forged.len() - 10;
    forged[pos] ^= 1;
    let impostor = Signer::from_seed("w2.example", ALG_ED25519, [99; 32]).unwrap();
    // A forged operator entry too: the batch covers operator-signed entries as well.
    let mut forged_op =
        enc(&Entry::Revoke(Revoke { key: k.w21.verifier().to_vkey(), reason: "lost".into() }), &k.operator);
    let pos = forged_op.len() - 10;
    forged_op[pos] ^= 1;
    let all_good = vec![
        enc(&Entry::Sheet(sheet("T1")), &k.w1),
        enc(&Entry::Sheet(sheet("T2")), &k.w2),
        enc(&Entry::Revoke(Revoke { key: k.w21.verifier().to_vkey(), reason: "lost".into() }), &k.operator),
        enc(&Entry::Sheet(sheet("T3")), &k.w2),
    ];
    let mixed = vec![
        enc(&Entry::Sheet(sheet("T1")), &k.w1),
        forged,
        forged_op,
        enc(&Entry::Sheet(sheet("T3")), &impostor),
        enc(&Entry::Sheet(sheet("T3")), &k.stranger),
        b"not a note".to_vec(),
        enc(&Entry::Sheet(sheet("T2")), &k.w2),
    ];
    for candidates in [all_good, mixed] {
        let mut slow = log.replay();
        let mut fast = log.replay();
        let refs: Vec<&[u8]> = candidates.iter().map(Vec::as_slice).collect();
        let prepared = fast.prepare_batch(&refs);
        assert_eq!(prepared.len(), candidates.len());
        let mut refused = 0;
        for (bytes, p) in candidates.iter().zip(prepared) {
            let i = slow.next_index();
            let a = slow.apply(i, bytes).map(|a| a.flags);
            let b = p.and_then(|p| fast.apply_prepared_replay(i, p)).map(|a| a.flags);
            refused += usize::from(a.is_err());
            assert_eq!(a, b, "verdicts differ for entry {}", String::from_utf8_lossy(bytes));
        }
        assert_eq!(slow.sheet_count(), fast.sheet_count());
        assert_eq!(slow.next_index(), fast.next_index());
        // The mixed batch must actually refuse its 5 bad entries; the good one refuses none.
        assert!(refused == 0 || refused == 5, "refused {refused}");
    }
}

/// A group that enrols a key and then carries its sheets: the sheets are
/// checked in the group's batch (`KeysAhead`), and verdicts stay those of
/// applying one by one: a sheet placed before its key's enrolment is still
/// refused as signed by an unknown key, and a forged one as badly signed.
#[test]
fn keys_enrolled_ahead_in_a_group_check_its_later_sheets_with_the_same_verdicts() {
    let log = setup();
    let k = &log.k;
    let late = Signer::from_seed("late.example", ALG_ED25519, [42; 32]).unwrap();
    let mut forged = enc(&Entry::Sheet(sheet("T2")), &late);
    let pos = forged.len() - 10;
    forged[pos] ^= 1;
    let group = [
        enc(&Entry::Sheet(sheet("T1")), &late), // before its enrolment: unknown key
        enc(&enrol(&late, Role::Witness, None), &k.operator),
        enc(&Entry::Sheet(sheet("T2")), &late),
        forged,
        enc(&Entry::Sheet(sheet("T3")), &late),
    ];
    let refs: Vec<&[u8]> = group.iter().map(Vec::as_slice).collect();
    let mut slow = log.replay();
    let mut fast = log.replay();
    let mut decoded = Registry::decode_batch(&refs);
    let ahead = KeysAhead::of(&decoded);
    assert!(!ahead.is_empty());
    fast.verify_decoded(&mut decoded, &ahead);
    // The forged sheet fails the batch, so each was checked singly: every
    // signature but the forged one holds, including the sheet signed before
    // its key's enrolment, which applying must still refuse.
    let verified: Vec<bool> = decoded.iter().map(|p| p.as_ref().is_ok_and(|p| p.verified_by().is_some())).collect();
    assert_eq!(verified, [true, true, true, false, true]);
    let mut codes = Vec::new();
    for (bytes, p) in group.iter().zip(decoded) {
        let i = slow.next_index();
        let a = slow.apply(i, bytes).map(|a| a.flags);
        let b = p.and_then(|p| fast.apply_prepared_replay(i, p)).map(|a| a.flags);
        assert_eq!(a, b, "verdicts differ for {}", String::from_utf8_lossy(bytes));
        codes.push(b.err().map(|r| r.code()));
    }
    assert_eq!(codes, [Some("unknown_key"), None, None, Some("bad_signature"), None]);
    // Without the forged sheet the batch passes, and the sheets after the enrolment are verified in it.
    let good: Vec<&[u8]> = [&group[1], &group[2], &group[4]].map(Vec::as_slice).to_vec();
    let mut decoded = Registry::decode_batch(&good);
    let ahead = KeysAhead::of(&decoded);
    log.replay().verify_decoded(&mut decoded, &ahead);
    assert!(decoded.iter().all(|p| p.as_ref().is_ok_and(|p| p.verified_by().is_some())));
}

#[test]
fn weak_operator_key_is_refused() {
    let mut pk = [0u8; 32];
    pk[0] = 1;
    let id = testigo_note::key_id("weak.example", ALG_ED25519, &pk);
    let vkey = format!("weak.example+{id:08x}+AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let mut def = election(&keys().operator);
    def.operator = vkey;
    // Whatever signs it, an election naming a weak operator key is refused before anything else.
    let signer = Signer::from_seed("weak.example", ALG_ED25519, [42; 32]).unwrap();
    let mut reg = Registry::new();
    let err = reg.apply(0, &enc(&Entry::Election(def), &signer)).unwrap_err();
    assert_eq!(err.code(), "invalid_definition");
    assert!(err.to_string().contains("weak"), "{err}");
}

#[test]
fn photo_readings_flag_in_either_order_and_replay_identically() {
    let mut log = setup();
    log.reg.set_qr_decoder(Some(Box::new(TestQr)));
    let k = keys();
    let (h1, h2, h3) = ("11".repeat(32), "22".repeat(32), "33".repeat(32));
    let check = |log: &Log, table: &str| {
        let t = log.reg.geography().find_table(table).unwrap();
        let s = log.reg.sheets_for_table(t).next().unwrap();
        (s.photo_qr_check().map(|c| (c.outcome, c.reading)), s.flags().to_vec(), s.photo_sha256())
    };

    // Sheet first, then the reading: the code matches (another unrelated code is ignored).
    let mut s = sheet("T1");
    s.photo_sha256 = Some(h1.clone());
    log.sheet(&s, &k.w2).unwrap();
    assert_eq!(check(&log, "T1"), (None, vec![], Some(h1.clone())));
    let r1 = log.submit_entry(&reading(&h1, &["a=100,b=50,c=10,null=5,table=T1", "zzz"]), &k.operator).unwrap();
    assert_eq!((r1.kind, r1.flags.clone()), (Kind::Reading, vec![]));
    assert_eq!(check(&log, "T1").0, Some((QrOutcome::Matches, Some(r1.index))));

    // Reading first, then the sheet: the table differs, so the photo shows another table's sheet.
    log.submit_entry(&reading(&h2, &["a=100,b=50,c=10,null=5,table=T1"]), &k.operator).unwrap();
    let mut s = sheet("T2");
    s.photo_sha256 = Some(h2.clone());
    assert_eq!(log.sheet(&s, &k.w2).unwrap().flags, vec![Flag::PhotoQrMismatch]);

    // A photo with no code, and one with only unreadable codes: recorded, not flagged.
    let mut s = sheet("T3");
    s.photo_sha256 = Some(h3.clone());
    log.sheet(&s, &k.w2).unwrap();
    let r = log.submit_entry(&reading(&h3, &[]), &k.operator).unwrap();
    assert_eq!(check(&log, "T3").0, Some((QrOutcome::NoCode, Some(r.index))));
    let r = log.submit_entry(&reading(&h3, &["garbage"]), &k.operator).unwrap();
    assert_eq!((check(&log, "T3").0, r.flags), (Some((QrOutcome::Unreadable, Some(r.index))), vec![]));

    // A later reading governs: a mismatch raises the flag, a match clears it.
    let r = log.submit_entry(&reading(&h1, &["a=99,b=50,c=10,null=5"]), &k.operator).unwrap();
    assert_eq!(r.flags, vec![Flag::PhotoQrMismatch]);
    assert_eq!(check(&log, "T1").1, vec![Flag::PhotoQrMismatch]);
    let before_replay = (check(&log, "T1"), check(&log, "T2"), check(&log, "T3"));
    let mut replayed = Log { reg: log.replay(), k: keys(), entries: log.entries.clone() };
    assert!(replayed.reg.sheets().all(|s| s.photo_qr_check().is_none()), "no decoder: nothing read");
    replayed.reg = Registry::new();
    replayed.reg.set_qr_decoder(Some(Box::new(TestQr)));
    for (i, b) in &log.entries {
        replayed.reg.apply(*i, b).unwrap();
    }
    assert_eq!((check(&replayed, "T1"), check(&replayed, "T2"), check(&replayed, "T3")), before_replay);
    log.submit_entry(&reading(&h1, &["a=100,b=50,c=10,null=5"]), &k.operator).unwrap();
    assert_eq!(check(&log, "T1").1, vec![]);

    // Only the operator signs readings; codes must be canonical; the hash must be SHA-256 hex.
    assert_eq!(log.code(&reading(&h1, &["x"]), &k.w2), "not_operator");
    assert_eq!(log.code(&reading(&h1, &["b", "a"]), &k.operator), "malformed");
    assert_eq!(log.code(&reading(&h1, &["a", "a"]), &k.operator), "malformed");
    assert_eq!(log.code(&reading("AB", &[]), &k.operator), "malformed");
    let many: Vec<String> = (0..=MAX_READING_CODES).map(|i| format!("{i:03}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(log.code(&reading(&h1, &many), &k.operator), "malformed");
}

/// Two sheets of one table and contest that differ only in blank votes do
/// not agree (`SheetCounts::agrees_with`): the tally counts blank votes, so
/// either would give different totals. Blank votes one of them does not
/// report are not compared, nor are null votes.
#[test]
fn sheets_differing_only_in_blank_votes_conflict() {
    let mut log = setup();
    let k = keys();
    let blank = |table: &str, blank: Option<u64>| {
        let mut s = sheet(table);
        s.blank = blank;
        s.voters = None;
        s
    };
    assert!(log.sheet(&blank("T1", Some(2)), &k.w2).unwrap().flags.is_empty());
    let a = log.sheet(&blank("T1", Some(3)), &k.w1).unwrap();
    assert_eq!(a.flags, vec![Flag::ConflictsWithEarlier]);
    assert!(log.sheet(&blank("T2", None), &k.w2).unwrap().flags.is_empty());
    assert!(log.sheet(&blank("T2", Some(0)), &k.w1).unwrap().flags.is_empty());
    let a = log.sheet(&blank("T3", None), &k.w2).unwrap();
    assert!(a.flags.is_empty());
    let a = log.sheet(&blank("T3", Some(4)), &k.w21).unwrap();
    assert!(a.flags.is_empty(), "not reported is not a disagreement");
    // The views compare the same way.
    let t1 = log.reg.geography().find_table("T1").unwrap();
    let views: Vec<_> = log.reg.sheets_for_table(t1).collect();
    assert!(!views[0].counts().agrees_with(&views[1].counts()));
}
