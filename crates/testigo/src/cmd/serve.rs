//! `testigo serve`: the intake server over a data directory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use testigo_server::{Limits, Node};

/// Options of `testigo serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Data directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Average submissions per second allowed per signing key.
    #[arg(long, default_value_t = 20.0)]
    pub per_key_rate: f64,
    /// Burst of submissions allowed per signing key.
    #[arg(long, default_value_t = 200.0)]
    pub per_key_burst: f64,
}

/// Waits for Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Serves `node` on `addr` until Ctrl-C/SIGTERM; `ready` is called with the
/// bound address once listening. Everything queued is published before return.
pub fn serve_node(node: Node, args: &ServeArgs, ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let node = Arc::new(node);
    let limits =
        Limits { per_key_per_second: args.per_key_rate, per_key_burst: args.per_key_burst, ..Limits::default() };
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("listening on {} (is another server using it? try --port/--addr)", args.addr))?;
        ready(listener.local_addr()?);
        testigo_server::serve(listener, node.clone(), limits, shutdown_signal()).await.context("serving")
    })?;
    drop(rt);
    // Handlers are done; the last references go with the runtime.
    let mut node = node;
    for _ in 0..100 {
        match Arc::try_unwrap(node) {
            Ok(n) => {
                n.shutdown();
                return Ok(());
            }
            Err(n) => {
                node = n;
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    tracing::warn!("node still referenced at shutdown; acknowledged entries are durable regardless");
    Ok(())
}

/// Prints where to look once the server listens.
pub fn print_urls(addr: SocketAddr, example_table: Option<&str>) {
    println!("serving on http://{addr}");
    println!("  election and log status: http://{addr}/v1/election");
    if let Some(t) = example_table {
        println!("  one table's sheets:      http://{addr}/v1/tables/{t}");
    }
    println!("  signed checkpoint:       http://{addr}/checkpoint");
    println!("press Ctrl-C to stop");
}

/// Runs `testigo serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let node = super::local::open_node(&a.dir)?;
    let example = {
        let reg = node.registry();
        let first = reg.sheets().next().map(|s| s.table_id().to_string());
        first
    };
    serve_node(node, &a, |addr| print_urls(addr, example.as_deref()))?;
    Ok(ExitCode::SUCCESS)
}
