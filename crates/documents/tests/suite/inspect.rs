//! `inspect` on payload text and on synthetic photos (moved from
//! testigo-scan with the inspection itself).

use testigo_documents::{
    formats, inspect, ActaCounts, BrazilBuQr, BrazilResult, ChainReport, Formats, SignatureReport, BRAZIL_BU,
    VENEZUELA_ACTA,
};
use testigo_formats::brazil_bu::{KeySet, Phase};
use testigo_formats::venezuela_qr::ActaQr;
use testigo_scan::corpus::{self, Degradation, SheetKind, CORPUS_KEY_VERSION, CORPUS_STATES};
use testigo_scan::{add_key_arg, decode_photo, Effort};

const BU_EXAMPLE: &str = include_str!("../../../formats/testdata/bu_ac_2024_example.txt");
const BU_KEY: &str = include_str!("../../../formats/testdata/bu_ac_2024_key.hex");
const VE_EXAMPLE: &str = include_str!("../../../formats/testdata/venezuela_acta_example.txt");

fn example_options() -> Formats {
    let mut keys = KeySet::new();
    add_key_arg(&mut keys, &format!("sac@20240507={}", BU_KEY.trim())).unwrap();
    formats().with(BrazilBuQr::new(keys))
}

fn corpus_options() -> Formats {
    let mut keys = KeySet::new();
    let vk = corpus::corpus_signing_key().verifying_key();
    for uf in CORPUS_STATES {
        keys.add_key(uf, Phase::Official, CORPUS_KEY_VERSION, vk).unwrap();
    }
    formats().with(BrazilBuQr::new(keys))
}

#[test]
fn venezuelan_text() {
    let r = inspect(format!("\r\n{VE_EXAMPLE}\n").as_bytes(), &formats());
    assert!(r.exit_ok(), "{}", r.to_json());
    assert_eq!(r.format_name(), Some(VENEZUELA_ACTA));
    assert_eq!(r.details::<ActaQr>().unwrap().table_id(), "201301006.01");
    assert_eq!(r.table.as_deref(), Some("201301006.01"));
    assert_eq!((r.chain, r.signature), (ChainReport::NotApplicable, SignatureReport::NotApplicable));
    let Some(ActaCounts { candidates, valid, .. }) = r.counts_as::<ActaCounts>() else { panic!("{r:?}") };
    assert_eq!(*valid, 368);
    let votes = |code: &str| candidates.iter().find(|c| c.code == code).unwrap().votes;
    assert_eq!((votes("NM"), votes("EG")), (188, 167));
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["format"], "venezuela-acta");
    assert_eq!(json["counts"]["candidates"][7]["code"], "EG");

    // A malformed acta parses into an error, and the exit status says so.
    let bad = VE_EXAMPLE.trim().replacen("!140,", "!140,0,", 1);
    let r = inspect(bad.as_bytes(), &formats());
    assert!(!r.exit_ok());
    assert!(r.errors[0].contains("39 card counts"), "{:?}", r.errors);
}

#[test]
fn brazilian_text() {
    let r = inspect(BU_EXAMPLE.as_bytes(), &example_options());
    assert!(r.exit_ok(), "{}", r.to_json());
    assert_eq!(r.format_name(), Some(BRAZIL_BU));
    assert!(r.details::<BrazilResult>().unwrap().record.is_some());
    assert_eq!(r.table.as_deref(), Some("AC/1120/8/2"));
    assert_eq!((r.chain, r.signature), (ChainReport::Valid, SignatureReport::Verified));
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["signature"], "verified");
    assert_eq!(json["chain"]["status"], "valid");
    assert_eq!(json["counts"]["offices"][1]["name"], "mayor");
    assert_eq!(json["counts"]["offices"][1]["candidates"]["92"], 1);
    assert_eq!(json["counts"]["present"], 2);

    // Without the key: the counts are still reported, but not "ok".
    let r = inspect(BU_EXAMPLE.as_bytes(), &formats());
    assert_eq!(r.signature, SignatureReport::UnknownKey);
    assert!(r.counts.is_some() && !r.exit_ok());

    // Format 6.0 is never verified.
    let six = BU_EXAMPLE.replace("VRQR:1.5", "VRQR:6.0");
    let r = inspect(six.as_bytes(), &example_options());
    assert_eq!(r.signature, SignatureReport::UnsupportedFormat);
    assert!(!r.exit_ok());

    // One changed vote.
    let tampered = BU_EXAMPLE.replace(" 92:1 ", " 92:2 ");
    let r = inspect(tampered.as_bytes(), &example_options());
    assert_eq!((r.chain, r.signature), (ChainReport::Broken { part: 1 }, SignatureReport::Invalid));
    assert!(!r.exit_ok());
}

#[test]
fn multi_part_text_and_bad_input() {
    // A generated 2+-part BU, lines reversed and repeated.
    let mut rng = testigo_rng::seeded(7);
    let parts = (0..20).map(|_| corpus::brazil_payloads(&mut rng)).find(|p| p.len() >= 2).unwrap();
    let mut text: Vec<&str> = parts.iter().rev().map(String::as_str).collect();
    text.push(&parts[0]);
    let r = inspect(text.join("\n").as_bytes(), &corpus_options());
    assert!(r.exit_ok(), "{}", r.to_json());
    let p = r.parts.as_ref().unwrap();
    assert_eq!((p.total as usize, p.read.len(), p.missing.len()), (parts.len(), parts.len(), 0));

    let r = inspect(parts[1..].join("\n").as_bytes(), &corpus_options());
    assert!(!r.exit_ok());
    assert_eq!(r.parts.as_ref().unwrap().missing, [1]);
    assert!(r.errors[0].contains("missing part"), "{:?}", r.errors);

    let mixed = format!("{}\n{}", VE_EXAMPLE.trim(), BU_EXAMPLE.trim());
    assert!(!inspect(mixed.as_bytes(), &example_options()).exit_ok());
    let r = inspect(b"hello world\n", &formats());
    assert!(!r.exit_ok() && r.format.is_none() && !r.errors.is_empty());
    assert!(!inspect(b"", &formats()).exit_ok());
    let r = inspect(b"\xFF\xD8\xFF\xE0 not really a jpeg", &formats());
    assert!(!r.exit_ok() && r.errors[0].contains("could not be decoded"), "{:?}", r.errors);
}

/// Decodes a small generated corpus: every class, both sheet kinds.
#[test]
fn decode_rate_on_a_small_corpus() {
    let seeds: Vec<u64> = (0..18).chain(27..39).collect(); // 30 images: both kinds, every class
    let (mut codes, mut read, mut wrong) = (0, 0, 0);
    let mut kinds = [0, 0];
    for &seed in &seeds {
        let sample = corpus::generate(seed);
        kinds[usize::from(sample.kind == SheetKind::BrazilBu)] += 1;
        let texts = decode_photo(&sample.photo, Effort::Quick).unwrap().texts();
        codes += sample.payloads.len();
        read += sample.payloads.iter().filter(|p| texts.contains(p)).count();
        wrong += texts.iter().filter(|t| !sample.payloads.contains(t)).count();
    }
    assert!(kinds[0] > 0 && kinds[1] > 0, "{kinds:?}");
    assert_eq!(wrong, 0, "a code decoded to text that is not on the sheet");
    // The release benchmark reads ~97% of codes; leave room for blur cases.
    assert!(read * 100 >= codes * 85, "read {read} of {codes} codes");
}

/// Photo to verified BU, end to end; the same photo with another key set
/// is not verified.
#[test]
fn photo_to_verified_bu() {
    let seed = (9..27).find(|&s| corpus::kind_for(s) == SheetKind::BrazilBu).unwrap();
    let sample = corpus::generate_with(seed, Degradation::Perspective);
    let r = inspect(&sample.photo, &corpus_options());
    assert!(r.exit_ok(), "{}", r.to_json());
    assert_eq!(r.signature, SignatureReport::Verified);
    assert_eq!(r.payloads.len(), sample.payloads.len());
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["source"]["kind"], "image");
    assert_eq!(json["source"]["codes_read"], sample.payloads.len());

    let r = inspect(&sample.photo, &example_options());
    assert_eq!(r.signature, SignatureReport::UnknownKey);
    assert!(!r.exit_ok());
}
