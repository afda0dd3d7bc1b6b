//! CSV column expressions and bad input.

use testigo_forensics::{read_csv, CsvColumns, Error};

const CSV: &str = "id,Estado,Inscritos,Votos A,Votos B,Nulos,Peña,Otro\n\
                   m1,Zulia,500,100,50,3,70,30\n\
                   m2,Lara,400,80,40,2,60,20\n";

fn cols() -> CsvColumns {
    CsvColumns {
        unit: Some("#1".into()),
        group: Some("Estado".into()),
        registered: Some("#3".into()),
        voters: "#4+#5 + Nulos".into(),
        valid: Some("Votos A+Votos B".into()),
        candidates: vec![("Peña".into(), None), ("Otro".into(), Some("#8".into()))],
        leader: Some("Peña".into()),
    }
}

#[test]
fn numbers_headers_and_sums() {
    let d = read_csv(CSV.as_bytes(), &cols()).unwrap();
    assert_eq!(d.units.len(), 2);
    let u = &d.units[0];
    assert_eq!((u.id.as_str(), u.group.as_deref()), ("m1", Some("Zulia")));
    assert_eq!((u.registered, u.voters, u.valid), (Some(500), 153, Some(150)));
    assert_eq!(u.votes, vec![70, 30]);
    assert_eq!(d.leader, 0);
}

#[test]
fn latin1_file_reads_like_utf8() {
    let latin1: Vec<u8> = CSV.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    assert!(std::str::from_utf8(&latin1).is_err());
    assert_eq!(read_csv(&latin1, &cols()).unwrap(), read_csv(CSV.as_bytes(), &cols()).unwrap());
}

#[test]
fn unknown_columns_are_named() {
    let mut c = cols();
    c.voters = "#4+Votos C".into();
    let e = read_csv(CSV.as_bytes(), &c).unwrap_err();
    assert!(matches!(e, Error::Column { .. }));
    let msg = e.to_string();
    assert!(msg.contains("\"Votos C\"") && msg.contains("\"Votos A\""), "{msg}");
    c.voters = "#9".into();
    let msg = read_csv(CSV.as_bytes(), &c).unwrap_err().to_string();
    assert!(msg.contains("#9") && msg.contains("8 columns"), "{msg}");
    let mut c = cols();
    c.leader = Some("Nadie".into());
    assert!(read_csv(CSV.as_bytes(), &c).unwrap_err().to_string().contains("Nadie"));
}

#[test]
fn non_counts_are_refused_with_their_line() {
    let bad = CSV.replace("m2,Lara,400", "m2,Lara,4x0");
    let msg = read_csv(bad.as_bytes(), &cols()).unwrap_err().to_string();
    assert!(msg.contains("line 3") && msg.contains("4x0"), "{msg}");
}
