//! A witness's key enrolled from its own signed request: posted to the real
//! server (`POST /v1/enrolment-requests`), listed by the operator with
//! `testigo enroll --list-requests` (also while the server runs), granted
//! with `testigo enroll --request FILE`, and then signing sheets.

use crate::common;

use common::*;
use serde_json::{json, Value};
use testigo_election::{decode, encode_request, EnrolRequest, Entry};
use testigo_note::Signer;

fn request(k: &Signer, scope: Option<&str>) -> Vec<u8> {
    let r = EnrolRequest {
        key: k.verifier().to_vkey(),
        holder: "Ana Pérez".into(),
        organisation: "Red de Testigos".into(),
        scope: scope.map(Into::into),
        requested_at: now(),
    };
    encode_request(&r, k).unwrap()
}

async fn post_request(url: &str, note: &[u8]) -> (u16, Value) {
    let body = json!({ "request": String::from_utf8(note.to_vec()).unwrap() });
    let r = reqwest::Client::new().post(format!("{url}/v1/enrolment-requests")).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Runs the binary; (exit success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The enrol entry at `index` of the log.
fn enrol_at(dir: &std::path::Path, index: usize) -> testigo_election::Enrol {
    match decode(&log_entries(dir)[index]).unwrap().0 {
        Entry::Enrol(e) => e,
        other => panic!("entry {index} is not an enrolment: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_posted_to_the_server_is_listed_granted_and_then_signs() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 2);
    let d = dir.to_str().unwrap();
    let (ana, ben) = (key("ana.witness.example", 20), key("ben.witness.example", 21));
    let state = "01";
    let server = Server::start(&dir, &[]);
    let (st, body) = post_request(&server.url, &request(&ana, Some(state))).await;
    assert_eq!((st, &body), (201, &json!({"key": ana.verifier().to_vkey(), "status": "pending"})));
    let (st, _) = post_request(&server.url, &request(&ben, None)).await;
    assert_eq!(st, 201);
    // Listed while the server runs: it takes no lock.
    let (ok, out, err) = run(&["enroll", "--list-requests", "--dir", d]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "file\tkey\tholder\torganisation\tscope\trequested_at");
    assert_eq!(lines.len(), 3, "{out}");
    let ana_line: Vec<&str> = lines[1].split('\t').collect();
    let ana_file = dir.join("enrolment-requests").join(format!("ana.witness.example+{:08x}.note", ana.key_id()));
    assert_eq!(
        &ana_line[..5],
        &[ana_file.to_str().unwrap(), &ana.verifier().to_vkey(), "Ana Pérez", "Red de Testigos", state]
    );
    assert!(lines[2].contains("ben.witness.example") && lines[2].contains("\t-\t"), "{}", lines[2]);
    assert!(err.contains("2 enrolment request(s) waiting"), "{err}");
    server.stop();

    // Granted from the file the server kept: its key, holder, organisation and scope.
    let (ok, out, err) = run(&["enroll", "--dir", d, "--request", ana_file.to_str().unwrap(), "--role", "witness"]);
    assert!(ok, "{err}");
    let index: usize = out.trim().parse().unwrap();
    let e = enrol_at(&dir, index);
    assert_eq!(
        (e.key.as_str(), e.holder.as_str(), e.organisation.as_str(), e.scope.as_deref()),
        (ana.verifier().to_vkey().as_str(), "Ana Pérez", "Red de Testigos", Some(state))
    );
    assert_eq!(e.valid_until - e.valid_from, 30 * 86_400);
    assert!(
        err.contains("its signature verifies") && err.contains(&format!("enrolled {}", ana.verifier().to_vkey())),
        "{err}"
    );
    // --scope replaces the unit asked for, and says so.
    let ben_file = dir.join("enrolment-requests").join(format!("ben.witness.example+{:08x}.note", ben.key_id()));
    let from = (now() - 3600).to_string();
    let (ok, out, err) = run(&[
        "enroll",
        "--dir",
        d,
        "--request",
        ben_file.to_str().unwrap(),
        "--role",
        "witness",
        "--scope",
        "02",
        "--days",
        "2",
        "--valid-from",
        &from,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("--scope 02 replaces the unit the request asks for (none)"), "{err}");
    let e = enrol_at(&dir, out.trim().parse().unwrap());
    assert_eq!(
        (e.scope.as_deref(), e.valid_from, e.valid_until),
        (Some("02"), from.parse().unwrap(), from.parse::<u64>().unwrap() + 2 * 86_400)
    );
    // Enrolled keys are no longer listed; granting twice is refused by the log.
    let (ok, out, err) = run(&["enroll", "--list-requests", "--dir", d]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(err.contains("0 enrolment request(s) waiting (2 more of keys enrolled since)"), "{err}");
    let (ok, _, err) = run(&["enroll", "--dir", d, "--request", ana_file.to_str().unwrap(), "--role", "witness"]);
    assert!(!ok && err.contains("duplicate_key"), "{err}");

    // Ana signs within her state; the server then says who she is.
    let server = Server::start(&dir, &[]);
    let (st, body) = post_entry(&server.url, &signed(&sheet(&table_id(1, 1, 1)), &ana)).await;
    assert_eq!(st, 201, "{body}");
    let (st, body) = post_entry(&server.url, &signed(&sheet(&table_id(2, 1, 1)), &ana)).await;
    assert_eq!((st, body["error"].as_str()), (403, Some("out_of_scope")), "{body}");
    let status: Value = reqwest::get(format!("{}/v1/keys/ana.witness.example+{:08x}", server.url, ana.key_id()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((status["index"].as_u64(), status["scope"].as_str()), (Some(index as u64), Some(state)));
    let (st, body) = post_request(&server.url, &request(&ana, None)).await;
    assert_eq!((st, body["error"].as_str()), (409, Some("already_enrolled")), "{body}");
    server.stop();
}

#[test]
fn a_bad_request_file_enrols_nothing_and_the_key_options_conflict_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 1);
    let d = dir.to_str().unwrap();
    let before = log_entries(&dir).len();
    let ana = key("ana.witness.example", 20);
    let eve = key("eve.example", 22);
    // Ana's request signed by Eve, and one altered after signing.
    let forged = EnrolRequest {
        key: ana.verifier().to_vkey(),
        holder: "Ana".into(),
        organisation: "Red".into(),
        scope: None,
        requested_at: now(),
    };
    let forged_file = tmp.path().join("forged.note");
    std::fs::write(&forged_file, encode_request(&forged, &eve).unwrap()).unwrap();
    let altered_file = tmp.path().join("altered.note");
    let altered = String::from_utf8(request(&ana, None)).unwrap().replace("Ana Pérez", "Ana Perez");
    std::fs::write(&altered_file, altered).unwrap();
    for file in [&forged_file, &altered_file] {
        let (ok, _, err) = run(&["enroll", "--dir", d, "--request", file.to_str().unwrap(), "--role", "witness"]);
        assert!(!ok, "{file:?} was granted");
        assert!(err.contains("is not a valid enrolment request") && err.contains("nothing was enrolled"), "{err}");
    }
    assert_eq!(log_entries(&dir).len(), before, "nothing was logged");
    let good = tmp.path().join("good.note");
    std::fs::write(&good, request(&ana, None)).unwrap();
    let g = good.to_str().unwrap();
    let vkey = ana.verifier().to_vkey();
    for extra in [&["--key", vkey.as_str()][..], &["--holder", "X"], &["--organisation", "Y"]] {
        let mut args = vec!["enroll", "--dir", d, "--request", g, "--role", "witness"];
        args.extend(extra);
        let (ok, _, err) = run(&args);
        assert!(!ok && err.contains("cannot be used with"), "{extra:?}: {err}");
    }
    // Without --request, the key, holder and organisation are still required.
    let (ok, _, err) = run(&["enroll", "--dir", d, "--role", "witness", "--key", &vkey]);
    assert!(!ok && err.contains("--holder"), "{err}");
    // An empty list.
    let (ok, out, err) = run(&["enroll", "--list-requests", "--dir", d]);
    assert!(ok && out.lines().count() == 1 && err.contains("0 enrolment request(s) waiting"), "{out}{err}");
    assert_eq!(log_entries(&dir).len(), before);
}
