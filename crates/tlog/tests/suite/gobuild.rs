//! Building the Go programs of the interoperability tests against Go's
//! golang.org/x/mod/sumdb/{note,tlog}, offline: GOPATH mode, with x/mod from
//! the Debian package `golang-golang-x-mod-dev` (`./scripts/test` installs
//! it and `golang-go`). Shared with other crates' test suites by
//! `#[path = "../../../tlog/tests/suite/gobuild.rs"]`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the Debian package golang-golang-x-mod-dev puts the x/mod sources (a GOPATH).
pub const GOPATH: &str = "/usr/share/gocode";

/// Builds the Go program in the directory `src` into `out_dir/name` and
/// returns the binary's path; panics, saying what to install, if Go or x/mod
/// is missing. Callers build once per test binary (behind a `OnceLock`).
pub fn go_build(src: &Path, out_dir: &Path, name: &str) -> PathBuf {
    let install = "install the Debian packages `golang-go golang-golang-x-mod-dev` \
                   (`apt-get install -y golang-go golang-golang-x-mod-dev` as root; `./scripts/test` does it)";
    match Command::new("go").arg("version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("`go version` failed ({}): {install}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!(
            "the Go toolchain is needed for the x/mod interoperability tests but `go` cannot be run ({e}): {install}"
        ),
    }
    let xmod = Path::new(GOPATH).join("src/golang.org/x/mod/sumdb/tlog");
    assert!(xmod.is_dir(), "{} is missing: {install}", xmod.display());
    std::fs::create_dir_all(out_dir.join("gocache")).unwrap();
    let bin = out_dir.join(name);
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(src)
        // GOPATH mode: no module download, x/mod comes from the Debian package.
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOFLAGS", "")
        .env("GOCACHE", out_dir.join("gocache"))
        .env("HOME", out_dir)
        .output()
        .expect("running go build");
    assert!(
        out.status.success(),
        "go build of {} failed:\n{}\n{install}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}
