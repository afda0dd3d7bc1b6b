//! `testigo serve --storage s3://…`: the log and photos in a bucket of a real
//! S3-compatible server on loopback (moto), the keys in the data directory;
//! `testigo verify s3://…` reads the log straight from the bucket.

use crate::common::*;
use crate::moto::Moto;

fn submit(url: &str, entry: String) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/submissions"))
        .json(&serde_json::json!({ "entry": entry }))
        .send()
        .unwrap();
    let status = r.status();
    assert!(status.is_success(), "submission refused: {status} {}", r.text().unwrap_or_default());
}

/// Posts a sheet with its photo (multipart), asserting it is accepted.
fn submit_with_photo(url: &str, entry: String, photo: &[u8]) {
    let form = reqwest::blocking::multipart::Form::new()
        .part("entry", reqwest::blocking::multipart::Part::text(entry))
        .part("photo", reqwest::blocking::multipart::Part::bytes(photo.to_vec()).file_name("p"));
    let r = reqwest::blocking::Client::new().post(format!("{url}/v1/submissions")).multipart(form).send().unwrap();
    let status = r.status();
    assert!(status.is_success(), "submission with a photo refused: {status} {}", r.text().unwrap_or_default());
}

fn verify(url: &str, vkey: &std::path::Path, env: &[(&str, String)]) -> std::process::Output {
    bin()
        .args(["verify", url, "--key", vkey.to_str().unwrap(), "--no-state", "--quiet"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap()
}

#[test]
fn serve_keeps_the_log_in_a_bucket_and_verify_reads_it_there() {
    let moto = Moto::start();
    moto.create_bucket("election-log");
    let env = moto.env();
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 4);
    let w = key("witness.test.example", 7);
    enroll(&dir, &w, "witness", None, &[]);
    let local_checkpoint = std::fs::read(dir.join("log/checkpoint")).unwrap();
    let url = "s3://election-log/elections/2026";

    // First start: the bucket holds no log, the data directory's is copied into it.
    let server = Server::start_with_env(&dir, &["--storage", url], &env);
    for t in 1..=3 {
        submit(&server.url, signed(&sheet(&table_id(1, 1, t)), &w));
    }
    // A second node on the same bucket is refused while the first holds the lease.
    let out = bin()
        .args(["serve", "--dir", dir.to_str().unwrap(), "--addr", "127.0.0.1:0", "--storage", url])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("already open for writing"), "{err}");
    // A standby waits for the lease instead, and takes over once the first node stops.
    let standby = {
        let (dir, env) = (dir.clone(), env.clone());
        std::thread::spawn(move || Server::start_with_env(&dir, &["--storage", url, "--standby"], &env))
    };
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(!standby.is_finished(), "the standby served while the first node held the lease");
    server.stop();
    assert_eq!(std::fs::read(dir.join("log/checkpoint")).unwrap(), local_checkpoint, "D/log was not written");

    // The standby reopens the log from the bucket and goes on.
    let server = standby.join().unwrap();
    submit(&server.url, signed(&sheet(&table_id(1, 2, 1)), &w));
    // A photo: staged in the bucket, published at blob/sha256/<hex>, served from there.
    let t = table_id(1, 2, 2);
    let code = format!("{t}.1.0001!60,40,50!5!0");
    let photo = testigo_scan::corpus::photo_of(
        41,
        testigo_scan::corpus::SheetKind::VenezuelaActa,
        &[code],
        testigo_scan::corpus::Degradation::Clean,
    );
    let mut with_photo = sheet(&t);
    with_photo.photo_sha256 = Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&photo)));
    submit_with_photo(&server.url, signed(&with_photo, &w), &photo);
    let hex = with_photo.photo_sha256.clone().unwrap();
    let served = reqwest::blocking::get(format!("{}/blob/sha256/{hex}", server.url)).unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().unwrap().as_ref(), photo.as_slice());
    server.stop();

    let out = verify(url, &dir.join("log.vkey"), &env);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "verify s3:// failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("sheets:        5"), "{stdout}");
    // The photos too, fetched from the bucket and read again.
    let out = bin()
        .args(["verify", url, "--key", dir.join("log.vkey").to_str().unwrap(), "--no-state", "--quiet", "--photos"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "verify --photos failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("photos: 1 checked of 1 named"), "{stdout}");

    // The offline tabulation reads the bucket too.
    let out =
        bin().args(["tally", "--dir", url, "--json"]).envs(env.iter().map(|(k, v)| (*k, v.as_str()))).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "tally s3:// failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(json.to_string().contains(r#""reporting":5,"sheets":5"#), "{stdout}");

    // A mirror into another bucket, verified there.
    moto.create_bucket("mirror-copy");
    let mirror_url = "s3://mirror-copy/m";
    let out = bin()
        .args(["mirror", url, mirror_url, "--key", dir.join("log.vkey").to_str().unwrap(), "--photos", "--quiet"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "mirror into s3:// failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let out = verify(mirror_url, &dir.join("log.vkey"), &env);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("sheets:        5"), "{stdout}");

    // Without settings, the error says what to set.
    let out = bin()
        .args(["verify", url, "--key", dir.join("log.vkey").to_str().unwrap(), "--no-state", "--quiet"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("AWS_ACCESS_KEY_ID"), "{err}");
}
