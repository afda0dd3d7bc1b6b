//! The README's "Running an election" block, run literally: every line
//! between `<!-- walkthrough:start -->` and `<!-- walkthrough:end -->` is
//! handed to `bash` as written, in a fresh directory holding a copy of
//! `docs/example/`, with the `testigo` under test first on `PATH`. The only
//! change to the lines is the port numbers (8080 and 8090 become free ones),
//! so that the test never collides with anything listening on the machine;
//! the environment adds a private `XDG_DATA_HOME` (verify's remembered
//! state) and, for the servers, `TESTIGO_LOG=debug` with their log lines
//! going to files.
//!
//! Each step's exit status and key output lines are checked, so a README
//! that drifts from the program (a renamed flag, an id that does not match
//! the example election, a step that needs a file nobody made) fails here.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What one step must do: succeed or fail, and print these (stdout or stderr).
struct Step {
    /// The start of the command line, to say which step this is.
    starts: &'static str,
    ok: bool,
    prints: &'static [&'static str],
}

/// The README's steps, in order. A README with more, fewer or reordered
/// steps fails with the line that differs: update this list with it.
const STEPS: &[Step] = &[
    Step { starts: "testigo keygen --name operator", ok: true, prints: &["operator.example.org+"] },
    Step { starts: "testigo init", ok: true, prints: &["created ve-example", "6 tables"] },
    Step { starts: "testigo keygen --name ana", ok: true, prints: &["ana.witness.example.org+"] },
    Step { starts: "testigo enroll", ok: true, prints: &["enrolled ana.witness.example.org"] },
    Step { starts: "testigo cosigner serve", ok: true, prints: &[] },
    Step { starts: "testigo serve", ok: true, prints: &[] },
    Step {
        starts: "testigo submit",
        ok: true,
        prints: &[
            "QR read from the photo: a Venezuelan acta, table 010113042.01",
            "accepted at log index",
            "receipt in r.tlog-proof",
        ],
    },
    Step {
        starts: "testigo log check-receipt",
        ok: true,
        prints: &["OK: entry", "in ve-example.testigo/log", "\"votes\":{\"EG\":232,\"NM\":120}"],
    },
    Step { starts: "testigo revoke", ok: true, prints: &["revoked ana.witness.example.org"] },
    Step { starts: "testigo submit", ok: false, prints: &["revoked_key", "phone stolen"] },
    Step {
        starts: "testigo tally",
        ok: true,
        prints: &["Tables: 1 of 6 reporting", "Edmundo González           232", "Nicolás Maduro             120"],
    },
    Step { starts: "testigo report", ok: true, prints: &["wrote report.html"] },
    Step {
        starts: "testigo verify http",
        ok: true,
        prints: &[
            "log verified: ve-example.testigo/log",
            "1 of 1 required cosigned: cosigner.example.org",
            "equals the recomputed one",
        ],
    },
    Step {
        starts: "testigo mirror",
        ok: true,
        prints: &["mirrored ve-example.testigo/log into M", "1 named, 1 copied"],
    },
    Step { starts: "testigo verify M", ok: true, prints: &["log verified", "1 agree, 0 disagree, 0 missing"] },
];

/// The command lines of the README's walkthrough block: continuation lines
/// joined, comments and blank lines dropped.
fn walkthrough_commands(readme: &str) -> Vec<String> {
    let start = readme.find("<!-- walkthrough:start -->").expect("README has a walkthrough:start marker");
    let end = readme.find("<!-- walkthrough:end -->").expect("README has a walkthrough:end marker");
    let block = &readme[start..end];
    let body = block.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("a ```sh block");
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in body.lines() {
        // A comment starts at "  #" (the README aligns them); no argument contains that.
        let line = line.split("  #").next().unwrap_or_default().trim_end();
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                let command = current.split_whitespace().collect::<Vec<_>>().join(" ");
                if !command.is_empty() {
                    commands.push(command);
                }
                current.clear();
            }
        }
    }
    commands
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_listening(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(Instant::now() < deadline, "{what} is not listening on {port} after 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Background servers, killed when the test ends (also on failure).
struct Servers(Vec<Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn bash(command: &str, cwd: &Path, path: &str, data_home: &Path) -> Command {
    let mut c = Command::new("bash");
    c.args(["-c", command]).current_dir(cwd).env("PATH", path).env("XDG_DATA_HOME", data_home);
    c
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let commands = walkthrough_commands(&readme);
    let described: Vec<&str> = commands.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        commands.len(),
        STEPS.len(),
        "the README's walkthrough has other steps than this test knows:\n{described:#?}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(work.join("docs/example")).unwrap();
    for f in ["election.toml", "tables.csv", "acta.jpg"] {
        std::fs::copy(root.join("docs/example").join(f), work.join("docs/example").join(f)).unwrap();
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_testigo")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let data_home = tmp.path().join("xdg");
    let (api, cosigner) = (free_port(), free_port());
    let mut servers = Servers(Vec::new());

    for (command, step) in commands.iter().zip(STEPS) {
        assert!(command.starts_with(step.starts), "README step {command:?} is not the expected {:?}", step.starts);
        let command = command
            .replace("127.0.0.1:8080", &format!("127.0.0.1:{api}"))
            .replace("127.0.0.1:8090", &format!("127.0.0.1:{cosigner}"));
        if let Some(server) = command.strip_suffix('&') {
            // Their log lines go to a file, as a service's would: plain text, no colour codes.
            let log = std::fs::File::create(tmp.path().join(format!("server-{}.log", servers.0.len()))).unwrap();
            let mut child = bash(&format!("exec {server}"), &work, &path, &data_home)
                .env("TESTIGO_LOG", "debug")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            let port = if server.contains(&format!(":{cosigner}")) && server.contains("cosigner serve") {
                cosigner
            } else {
                api
            };
            wait_listening(port, &mut child, server);
            servers.0.push(child);
            continue;
        }
        let mut out: Output = bash(&command, &work, &path, &data_home).output().unwrap();
        // Cosigners sign a few seconds after each checkpoint; verify says to run it again.
        let mut tries = 0;
        while !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("run this again in a few seconds")
            && tries < 20
        {
            std::thread::sleep(Duration::from_millis(500));
            out = bash(&command, &work, &path, &data_home).output().unwrap();
            tries += 1;
        }
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.success(), step.ok, "README step `{command}` exited {}:\n{text}", out.status);
        for expected in step.prints {
            assert!(text.contains(expected), "README step `{command}` did not print {expected:?}:\n{text}");
        }
    }
    // What the walkthrough leaves behind is what it says.
    assert!(std::fs::read_to_string(work.join("report.html")).unwrap().contains("<svg"), "report.html has its charts");
    assert!(
        work.join("M/log.vkey").is_file() && work.join("M/blob/sha256").is_dir(),
        "the mirror holds its key and photos"
    );
    let run = |command: &str| {
        let out = bash(command, &work, &path, &data_home).output().unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    // Any sheet's receipt, against the latest (cosigned) checkpoint, checks offline too.
    let table: serde_json::Value =
        reqwest::blocking::get(format!("http://127.0.0.1:{api}/v1/tables/010113042.01")).unwrap().json().unwrap();
    let link = table["submissions"][0]["receipt"].as_str().unwrap().to_string();
    let receipt = reqwest::blocking::get(format!("http://127.0.0.1:{api}{link}")).unwrap().bytes().unwrap();
    std::fs::write(work.join("again.tlog-proof"), &receipt).unwrap();
    let (ok, text) = run("testigo log check-receipt --vkey D/log.vkey again.tlog-proof");
    assert!(ok && text.contains("\"votes\":{\"EG\":232,\"NM\":120}"), "{text}");
    // The mirror reads like the data directory: the same tally, byte for byte.
    let (ok, from_mirror) = run("testigo tally --dir M --json");
    assert!(ok, "{from_mirror}");
    assert_eq!(from_mirror, run("testigo tally --dir D --json").1, "tally of the mirror and of the data directory");
    let (ok, text) = run("testigo report --dir M --out mirror.html");
    assert!(ok, "{text}");
    // Mirroring again fetches nothing new and keeps the photos it has.
    let (ok, text) = run(&format!("testigo mirror http://127.0.0.1:{api} M --key D/log.vkey --photos"));
    assert!(ok && text.contains("1 named, 0 copied, 1 already here"), "{text}");
    // A photo the source serves with other bytes is not copied, and the mirror fails naming it.
    let photo =
        std::fs::read_dir(work.join("D/blobs/sha256")).unwrap().flatten().find(|e| e.path().is_file()).unwrap().path();
    std::fs::write(&photo, b"not the photo the sheet names").unwrap();
    let (ok, text) = run(&format!("testigo mirror http://127.0.0.1:{api} M2 --key D/log.vkey --photos"));
    assert!(!ok && text.contains("FAILED") && text.contains("holds bytes hashing to"), "{text}");
    let name = photo.file_name().unwrap();
    assert!(!work.join("M2/blob/sha256").join(name).exists(), "a wrong photo never lands under a photo's name");
    // The log server writes debug lines (the cosigner may write none); none carries colour codes.
    let logs: Vec<Vec<u8>> =
        (0..servers.0.len()).map(|i| std::fs::read(tmp.path().join(format!("server-{i}.log"))).unwrap()).collect();
    assert!(logs.iter().any(|l| !l.is_empty()), "no server logged anything at debug level");
    for log in &logs {
        assert!(!log.contains(&0x1b), "colour codes written into a log file:\n{}", String::from_utf8_lossy(log));
    }
    // A directory that is neither a data directory nor a mirror is refused, creating nothing.
    let (ok, text) = run("testigo tally --dir nowhere");
    assert!(!ok && text.contains("neither a data directory") && !work.join("nowhere").exists(), "{text}");
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    // `testigo … | head`: once the reader has gone, the next write fails with
    // EPIPE. Each command below writes only after its reader (`true`) has
    // exited; it must end like a C tool killed by SIGPIPE (status 141),
    // without a panic or a message.
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_testigo");
    let sh = |script: &str| Command::new("bash").args(["-c", script]).current_dir(tmp.path()).output().unwrap();
    let init = sh(&format!("{bin} log init --dir L --origin pipe.example/log && printf 'one\\n' | {bin} log append --dir L && {bin} log prove --dir L 0 > r"));
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    for (what, command) in [
        ("println! (check-receipt)", format!("{bin} log check-receipt --vkey L/log.vkey r")),
        ("write_all (log prove)", format!("{bin} log prove --dir L 0")),
        ("writeln! on a lock (log append)", format!("printf 'two\\n' | {bin} log append --dir L")),
    ] {
        let out = sh(&format!("(sleep 1; {command}; echo \"status $?\" >&2) | true"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe") && !stderr.contains("error"),
            "{what}: {stderr}"
        );
        assert!(stderr.contains("status 141"), "{what} should end with status 141: {stderr}");
    }
}
