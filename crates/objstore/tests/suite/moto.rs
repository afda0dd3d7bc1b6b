//! A real S3-compatible server on loopback for tests: Python moto in server
//! mode (`pip install 'moto[server]'`), started on a free port per test and
//! killed when the handle drops. Shared by path with the CLI's tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // test helper: a failure here is the test's failure

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running `moto_server`, killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    port: u16,
}

/// The environment a process needs to reach this server (`testigo … s3://…`).
pub const ACCESS_KEY: &str = "testing";

impl Moto {
    /// Starts moto on a free loopback port and waits until it answers. Fails
    /// (never skips) when `moto_server` is not installed.
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let spawn = |program: &str, module: &[&str]| {
            Command::new(program)
                .args(module)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
        };
        // The `moto_server` script, or the module itself when the script is not on
        // PATH (e.g. a pyenv whose shims were not rehashed after the install).
        let child = spawn("moto_server", &[]).or_else(|e| {
            let module_there =
                Command::new("python3").args(["-c", "import moto.server"]).output().is_ok_and(|o| o.status.success());
            if module_there {
                spawn("python3", &["-m", "moto.server"])
            } else {
                Err(e)
            }
        });
        let child = match child {
            Ok(c) => c,
            Err(e) => panic!(
                "cannot run moto_server ({e}): the object-storage tests need a loopback S3 server; install it with \
                 `python3 -m pip install 'moto[server]'` (or run scripts/test, which does)"
            ),
        };
        let mut moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}"), port };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if moto.request("GET", "/moto-api/data.json").is_some_and(|s| s == 200) {
                return moto;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited at start ({status}); is `moto[server]` fully installed?");
            }
            assert!(Instant::now() < deadline, "moto_server did not answer on port {port} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends an unsigned request, returns the status code.
    fn request(&self, method: &str, path: &str) -> Option<u16> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .ok()?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }

    /// Creates a bucket (names: 3–63 lowercase letters, digits, hyphens).
    pub fn create_bucket(&self, name: &str) {
        let status = self.request("PUT", &format!("/{name}"));
        assert_eq!(status, Some(200), "creating bucket {name} on moto");
    }

    /// The environment variables that point `parse_url` (and the CLI) at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", ACCESS_KEY.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// A new bucket on this server, opened as `s3://name/prefix`, without
    /// touching this process's environment.
    pub fn bucket(&self, name: &str, prefix: &str) -> testigo_objstore::Bucket {
        self.create_bucket(name);
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(name)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(ACCESS_KEY)
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap();
        testigo_objstore::Bucket::new(Arc::new(store), prefix, format!("s3://{name}/{prefix}")).unwrap()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
