//! Accepting connections without letting any client hold the server.
//!
//! `axum::serve` sets no header or idle timeout and no connection cap, so
//! 4,000 slowloris connections were held for a minute and 20,000 sockets
//! from one client exhausted the file descriptors. This accept loop serves
//! HTTP/1.1 through hyper with:
//!
//! - a **header timeout** ([`ConnLimits::header_timeout`]): a request's
//!   headers must arrive within it, and a kept-alive connection waiting for
//!   its next request is closed after it (hyper's header-read timer also runs
//!   while a connection is idle), so slow or idle connections are shed;
//! - a **global cap** and a **per-address cap** on open connections: past
//!   either, a new connection is closed at once (a fast failure the client
//!   can retry, rather than a queue that hides genuine clients);
//! - the peer address in each request's extensions
//!   ([`axum::extract::ConnectInfo`]), or, when the peer is one of the
//!   configured trusted proxies, the client address it forwarded
//!   ([`ClientAddr`]), for the pre-authentication rate limits.
//!
//! Request bodies are bounded in time by the router's request timeout.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;

use crate::ratelimit::client_key;

/// Connection limits (see the module documentation).
#[derive(Clone, Debug)]
pub struct ConnLimits {
    /// Longest wait for a request's headers, and for the next request on an idle connection.
    pub header_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Most connections open at once from one address (an IPv6 /64 counts as one).
    pub max_connections_per_client: usize,
    /// Peers whose `X-Forwarded-For` header names the real client (reverse proxies, CDNs).
    pub trusted_proxies: Vec<IpAddr>,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(10),
            max_connections: 4_096,
            max_connections_per_client: 256,
            trusted_proxies: Vec::new(),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// The address of the client a request is from: the peer, or the address a
/// trusted proxy forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Open connections per client address; entries exist only while connected,
/// so the map is bounded by the global cap.
#[derive(Default)]
struct OpenConnections {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// Releases a connection's slot when dropped.
struct Slot {
    open: Arc<Mutex<OpenConnections>>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.per_client.remove(&self.client);
            }
        }
    }
}

fn take_slot(open: &Arc<Mutex<OpenConnections>>, client: IpAddr, limits: &ConnLimits) -> Option<Slot> {
    let mut o = open.lock().unwrap_or_else(|p| p.into_inner());
    let mine = o.per_client.get(&client).copied().unwrap_or(0);
    if o.total >= limits.max_connections || mine >= limits.max_connections_per_client {
        return None;
    }
    o.total += 1;
    *o.per_client.entry(client).or_insert(0) += 1;
    Some(Slot { open: open.clone(), client })
}

/// The client address of a request from `peer`: the right-most
/// `X-Forwarded-For` address not itself a trusted proxy, when `peer` is one.
pub fn client_addr(peer: IpAddr, headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer)
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests
/// in flight finish (up to [`ConnLimits::shutdown_grace`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Mutex::new(OpenConnections::default()));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let limits = Arc::new(limits);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors or a transient error: pause instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(slot) = take_slot(&open, client_key(peer.ip()), &limits) else {
            // Over a cap: close at once.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let trusted = limits.clone();
        let service = TowerToHyperService::new(app.map_request(move |mut req: Request<Incoming>| {
            let client = client_addr(peer.ip(), req.headers(), &trusted.trusted_proxies);
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(ClientAddr(client));
            req
        }));
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after the shutdown grace period; closing them");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let direct: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(client_addr(direct, &h, &[proxy]), direct);
        assert_eq!(client_addr(proxy, &h, &[proxy]), "203.0.113.9".parse::<IpAddr>().unwrap());
        assert_eq!(client_addr(proxy, &axum::http::HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn slots_are_capped_globally_and_per_client_and_released() {
        let open = Arc::new(Mutex::new(OpenConnections::default()));
        let limits = ConnLimits { max_connections: 3, max_connections_per_client: 2, ..ConnLimits::default() };
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let s1 = take_slot(&open, a, &limits).unwrap();
        let _s2 = take_slot(&open, a, &limits).unwrap();
        assert!(take_slot(&open, a, &limits).is_none());
        let _s3 = take_slot(&open, b, &limits).unwrap();
        assert!(take_slot(&open, b, &limits).is_none());
        drop(s1);
        assert!(take_slot(&open, b, &limits).is_some());
    }
}
