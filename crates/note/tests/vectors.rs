//! The signed-note vectors of golang.org/x/mod (transcribed in
//! shared/vectors/signed-note/ORIGIN.txt, copied into testdata/).

use testigo_note::{key_id, KeyError, NoteError, SignedNote, Signer, Verifier, ALG_ED25519};

const SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const VKEY2: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIG1: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const SIG2: &str =
    "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

#[test]
fn private_key_round_trips_and_matches_verifier() {
    let s = Signer::parse(SKEY).unwrap();
    assert_eq!(s.to_skey(), SKEY);
    assert_eq!(s.verifier().to_vkey(), VKEY);
    assert_eq!(Verifier::parse(VKEY).unwrap().to_vkey(), VKEY);
    assert_eq!(s.key_id(), 0xc74f20a3);
    assert_eq!(key_id("PeterNeumann", ALG_ED25519, s.verifier().public_key().as_bytes()), 0xc74f20a3);
}

#[test]
fn signing_reproduces_published_signature() {
    let s = Signer::parse(SKEY).unwrap();
    let mut n = SignedNote::new(TEXT).unwrap();
    n.sign(&s).unwrap();
    assert_eq!(String::from_utf8(n.to_bytes()).unwrap(), format!("{TEXT}\n{SIG1}"));
}

#[test]
fn verifies_note_signed_by_two_keys_and_reports_which() {
    let bytes = format!("{TEXT}\n{SIG1}{SIG2}");
    let n = SignedNote::parse(bytes.as_bytes()).unwrap();
    let v1 = Verifier::parse(VKEY).unwrap();
    let v2 = Verifier::parse(VKEY2).unwrap();
    let ok = n.verify(&[v1.clone(), v2.clone()]).unwrap();
    assert_eq!(ok.text, TEXT);
    let names: Vec<_> = ok.verified_by.iter().map(|(v, _)| v.name().to_string()).collect();
    assert_eq!(names, ["PeterNeumann", "EnochRoot"]);
    // With one known key the other signature is reported as unknown, not an error.
    let ok = n.verify(&[v2]).unwrap();
    assert_eq!(ok.verified_by.len(), 1);
    assert_eq!(ok.unknown.len(), 1);
    assert_eq!(ok.unknown[0].name, "PeterNeumann");
}

#[test]
fn tampered_text_is_rejected() {
    let bytes = format!("{}\n{SIG1}", TEXT.replace("answer", "Answer"));
    let n = SignedNote::parse(bytes.as_bytes()).unwrap();
    let err = n.verify(&[Verifier::parse(VKEY).unwrap()]).unwrap_err();
    assert!(matches!(err, NoteError::BadSignature { .. }), "{err}");
}

#[test]
fn wrong_key_and_wrong_name_are_not_accepted() {
    let bytes = format!("{TEXT}\n{SIG1}");
    let n = SignedNote::parse(bytes.as_bytes()).unwrap();
    // Another key under the same name: ID differs, so the signature is unknown.
    let other = Signer::generate("PeterNeumann").unwrap().verifier();
    assert!(matches!(n.verify(&[other]).unwrap_err(), NoteError::UnknownSigners { .. }));
    // Same key material under another name: a different key entirely.
    let s = Signer::parse(SKEY).unwrap();
    let renamed = Verifier::new("PaulNeumann", ALG_ED25519, *s.verifier().public_key()).unwrap();
    assert!(matches!(n.verify(&[renamed]).unwrap_err(), NoteError::UnknownSigners { .. }));
    // A signature line claiming the right name and ID but made by another key.
    let forger = Signer::generate("PeterNeumann").unwrap();
    let mut forged = SignedNote::new(TEXT).unwrap();
    forged.sign(&forger).unwrap();
    let mut sig = forged.signatures()[0].clone();
    sig.key_id = 0xc74f20a3;
    let mut n2 = SignedNote::new(TEXT).unwrap();
    n2.push(sig);
    assert!(matches!(n2.verify(&[Verifier::parse(VKEY).unwrap()]).unwrap_err(), NoteError::BadSignature { .. }));
}

#[test]
fn malformed_notes_and_keys_are_errors_not_panics() {
    let cases: &[&[u8]] = &[
        b"",
        b"no newline",
        b"text\n",
        b"text\n\n",
        b"text\n\nnot a signature\n",
        "text\n\n\u{2014} name !!!notbase64\n".as_bytes(),
        "text\n\n\u{2014} name AAAA\n".as_bytes(),
        "text\n\n\u{2014} na+me AAAAAAAA\n".as_bytes(),
        b"te\x01xt\n\n",
        b"\xff\xfe\n\n",
    ];
    for c in cases {
        assert!(SignedNote::parse(c).is_err(), "{:?}", String::from_utf8_lossy(c));
    }
    // Non-canonical base64 of the signature (trailing bits set) is refused.
    let noncanon = SIG1.replace("AM=", "AN=");
    assert!(SignedNote::parse(format!("{TEXT}\n{noncanon}").as_bytes()).is_err());
    assert!(matches!(
        Verifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::KeyIdMismatch { .. })
    ));
    for bad in ["", "a+b", "name+zzzzzzzz+AAAA", "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T"] {
        assert!(Verifier::parse(bad).is_err(), "{bad}");
    }
    assert!(Signer::parse(VKEY).is_err());
}

#[test]
fn too_many_signatures_is_refused() {
    let s = Signer::parse(SKEY).unwrap();
    let mut n = SignedNote::new(TEXT).unwrap();
    n.sign(&s).unwrap();
    let line = n.signatures()[0].to_line();
    let many = format!("{TEXT}\n{}", format!("{line}\n").repeat(101));
    assert!(matches!(SignedNote::parse(many.as_bytes()), Err(NoteError::TooManySignatures(_))));
}

#[test]
fn cosignatures_verify_with_timestamp() {
    let log = Signer::generate("example.com/log").unwrap();
    let w = Signer::generate_cosigner("witness.example").unwrap();
    let mut n = SignedNote::new("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    n.sign(&log).unwrap();
    n.sign_cosignature(&w, 1_700_000_000).unwrap();
    let parsed = SignedNote::parse(&n.to_bytes()).unwrap();
    let ok = parsed.verify(&[log.verifier(), w.verifier()]).unwrap();
    assert_eq!(ok.verified_by[1].1, Some(1_700_000_000));
    let vk = w.verifier().to_vkey();
    assert_eq!(Verifier::parse(&vk).unwrap(), w.verifier());
}
