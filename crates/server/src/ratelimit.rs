//! Rate limits that cannot be aimed at someone else, in bounded memory.
//!
//! Two kinds of budget, both token buckets:
//!
//! - **Per signing key**, charged only after the key's signature on the entry
//!   verified ([`KeyLimiter`], used by the node): nobody but the key's holder
//!   can spend it, so forged notes naming a witness (or the operator) cannot
//!   lock that witness out. The operator's own entries are never limited.
//! - **Per client address and globally, before authentication**
//!   ([`ClientGate`], used by the HTTP layer): a request is let in only while
//!   its address (an IPv6 /64 counts as one address) and the whole server
//!   have budget for *failed* requests; a request is charged when it is
//!   refused with any 4xx other than 429 (a phone stuck resending a duplicate
//!   slows down too), never when it is accepted. Clients that submit
//!   successfully, however many share an address behind a NAT, are not slowed
//!   by this gate; a flood of junk from one address is cut off after its burst.
//!   While the *global* budget is spent (junk from many addresses), addresses
//!   that authenticated in the last hour, and entries the operator signed,
//!   still get in; an address past its *own* budget waits for it to refill.
//!
//! Every map is an LRU with a fixed capacity, so a flood of distinct names
//! or addresses cannot grow memory: the least recently seen bucket is
//! forgotten (it restarts full, which only ever favours the forgotten client).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;

/// A token bucket: `burst` tokens, refilled at `per_second`.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Refill rate and capacity of a bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// Most tokens held (the burst allowed after a quiet period).
    pub burst: f64,
}

impl Rate {
    fn full(&self, now: Instant) -> Bucket {
        Bucket { tokens: self.burst, last: now }
    }

    fn refill(&self, b: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.burst);
        b.last = now;
    }

    /// Seconds until the bucket holds one token again (at least 1).
    fn wait(&self, b: &Bucket) -> u64 {
        if self.per_second <= 0.0 {
            return 3600;
        }
        ((1.0 - b.tokens) / self.per_second).ceil().clamp(1.0, 3600.0) as u64
    }
}

fn capacity(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

/// Token buckets keyed by `K`, at most `capacity` of them.
struct Buckets<K: Hash + Eq> {
    rate: Rate,
    map: Mutex<LruCache<K, Bucket>>,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new(rate: Rate, cap: usize) -> Self {
        Buckets { rate, map: Mutex::new(LruCache::new(capacity(cap))) }
    }

    /// Takes a token for `key`; on refusal, the seconds to wait.
    fn take(&self, key: K, now: Instant) -> Result<(), u64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let rate = self.rate;
        let b = map.get_or_insert_mut(key, || rate.full(now));
        rate.refill(b, now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(rate.wait(b))
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Per-key limits for authenticated submissions, keyed by the verified
/// public key (not by the name a note claims).
pub struct KeyLimiter {
    buckets: Buckets<[u8; 32]>,
}

impl KeyLimiter {
    /// Most keys tracked at once; enrolled keys are far fewer in practice.
    pub const CAPACITY: usize = 1 << 20;

    /// A limiter allowing each key `rate`.
    pub fn new(rate: Rate) -> Self {
        KeyLimiter { buckets: Buckets::new(rate, Self::CAPACITY) }
    }

    /// Charges one submission to the verified key `public_key`; on refusal,
    /// the seconds to wait.
    pub fn take(&self, public_key: [u8; 32]) -> Result<(), u64> {
        self.buckets.take(public_key, Instant::now())
    }
}

/// Budgets for requests that fail before or at authentication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateConfig {
    /// Failed requests allowed per client address.
    pub per_client: Rate,
    /// Failed requests allowed from all addresses together.
    pub global: Rate,
    /// How long an address that authenticated stays trusted past a spent global budget.
    pub trusted_for: Duration,
    /// Most addresses tracked.
    pub capacity: usize,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            per_client: Rate { per_second: 2.0, burst: 100.0 },
            global: Rate { per_second: 500.0, burst: 5_000.0 },
            trusted_for: Duration::from_secs(3600),
            capacity: 100_000,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Client {
    failures: Bucket,
    authenticated: Option<Instant>,
}

/// Why the gate turned a request away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This address spent its budget for failed requests.
    Client {
        /// Seconds until it may try again.
        retry_after: u64,
    },
    /// All addresses together spent the global budget; this one is not trusted.
    Global {
        /// Seconds until the global budget refills.
        retry_after: u64,
    },
}

impl Refusal {
    /// Seconds to wait before retrying.
    pub fn retry_after(&self) -> u64 {
        match self {
            Refusal::Client { retry_after } | Refusal::Global { retry_after } => *retry_after,
        }
    }
}

/// The pre-authentication gate: per-address and global budgets for failed
/// requests (see the module documentation).
pub struct ClientGate {
    config: GateConfig,
    clients: Mutex<LruCache<IpAddr, Client>>,
    global: Mutex<Bucket>,
}

/// The address a client is known by: IPv4 as is, IPv6 by its /64 (one
/// subscriber's allocation), IPv4-mapped IPv6 as IPv4.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl ClientGate {
    /// A gate with the given budgets.
    pub fn new(config: GateConfig) -> Self {
        let now = Instant::now();
        ClientGate {
            clients: Mutex::new(LruCache::new(capacity(config.capacity))),
            global: Mutex::new(config.global.full(now)),
            config,
        }
    }

    /// Whether a request from `ip` may be processed now. Charges nothing.
    pub fn admit(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.admit_at(ip, Instant::now())
    }

    /// [`ClientGate::admit`] at a given instant (tests inject the clock).
    fn admit_at(&self, ip: IpAddr, now: Instant) -> Result<(), Refusal> {
        let key = client_key(ip);
        let trusted = {
            let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            match clients.get_mut(&key) {
                Some(c) => {
                    self.config.per_client.refill(&mut c.failures, now);
                    if c.failures.tokens < 1.0 {
                        return Err(Refusal::Client { retry_after: self.config.per_client.wait(&c.failures) });
                    }
                    c.authenticated.is_some_and(|t| now.saturating_duration_since(t) < self.config.trusted_for)
                }
                None => false,
            }
        };
        if trusted {
            return Ok(());
        }
        let mut global = self.global.lock().unwrap_or_else(|p| p.into_inner());
        self.config.global.refill(&mut global, now);
        if global.tokens < 1.0 {
            return Err(Refusal::Global { retry_after: self.config.global.wait(&global) });
        }
        Ok(())
    }

    /// Charges a failed (unauthenticated or unreadable) request from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        self.failed_at(ip, Instant::now())
    }

    /// [`ClientGate::failed`] at a given instant.
    fn failed_at(&self, ip: IpAddr, now: Instant) {
        {
            let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            let rate = self.config.per_client;
            let c =
                clients.get_or_insert_mut(client_key(ip), || Client { failures: rate.full(now), authenticated: None });
            rate.refill(&mut c.failures, now);
            c.failures.tokens = (c.failures.tokens - 1.0).max(-rate.burst);
        }
        let mut global = self.global.lock().unwrap_or_else(|p| p.into_inner());
        self.config.global.refill(&mut global, now);
        global.tokens = (global.tokens - 1.0).max(0.0);
    }

    /// Records that a request from `ip` authenticated (its signature verified).
    pub fn authenticated(&self, ip: IpAddr) {
        self.authenticated_at(ip, Instant::now())
    }

    /// [`ClientGate::authenticated`] at a given instant.
    fn authenticated_at(&self, ip: IpAddr, now: Instant) {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let rate = self.config.per_client;
        let c = clients.get_or_insert_mut(client_key(ip), || Client { failures: rate.full(now), authenticated: None });
        c.authenticated = Some(now);
    }

    /// Addresses currently tracked (at most the configured capacity).
    pub fn tracked(&self) -> usize {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_key_bucket_allows_its_burst_then_refuses_with_a_wait() {
        let l = KeyLimiter::new(Rate { per_second: 1.0, burst: 3.0 });
        for _ in 0..3 {
            assert!(l.take([1; 32]).is_ok());
        }
        assert_eq!(l.take([1; 32]), Err(1));
        // Another key is untouched.
        assert!(l.take([2; 32]).is_ok());
    }

    #[test]
    fn buckets_never_hold_more_than_their_capacity() {
        let b = Buckets::new(Rate { per_second: 1.0, burst: 1.0 }, 100);
        let now = Instant::now();
        for i in 0..10_000u32 {
            let _ = b.take(i, now);
        }
        assert_eq!(b.len(), 100);
    }

    #[test]
    fn failures_from_one_address_close_it_but_not_others() {
        let g = ClientGate::new(GateConfig {
            per_client: Rate { per_second: 0.001, burst: 5.0 },
            global: Rate { per_second: 1.0, burst: 1_000.0 },
            ..GateConfig::default()
        });
        for _ in 0..5 {
            assert!(g.admit(ip("10.0.0.1")).is_ok());
            g.failed(ip("10.0.0.1"));
        }
        assert!(matches!(g.admit(ip("10.0.0.1")), Err(Refusal::Client { .. })));
        assert!(g.admit(ip("10.0.0.2")).is_ok());
        // An IPv6 /64 is one client.
        for i in 0..5 {
            g.failed(ip(&format!("2001:db8::{i}")));
        }
        assert!(g.admit(ip("2001:db8::ffff")).is_err());
        assert!(g.admit(ip("2001:db8:0:1::1")).is_ok());
    }

    #[test]
    fn a_spent_global_budget_still_admits_addresses_that_authenticated() {
        let g = ClientGate::new(GateConfig {
            per_client: Rate { per_second: 0.001, burst: 1_000.0 },
            global: Rate { per_second: 0.001, burst: 10.0 },
            ..GateConfig::default()
        });
        g.authenticated(ip("192.0.2.7"));
        for i in 0..10 {
            g.failed(ip(&format!("198.51.100.{i}")));
        }
        assert!(matches!(g.admit(ip("203.0.113.1")), Err(Refusal::Global { .. })));
        assert!(g.admit(ip("192.0.2.7")).is_ok());
    }

    #[test]
    fn the_gate_tracks_a_bounded_number_of_addresses() {
        let g = ClientGate::new(GateConfig { capacity: 1_000, ..GateConfig::default() });
        for i in 0..70_000u32 {
            g.failed(IpAddr::V4(std::net::Ipv4Addr::from(i)));
        }
        assert_eq!(g.tracked(), 1_000);
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn a_bucket_refills_at_its_rate_up_to_its_burst() {
        let b = Buckets::new(Rate { per_second: 2.0, burst: 4.0 }, 10);
        let t0 = Instant::now();
        for _ in 0..4 {
            assert_eq!(b.take("k", t0), Ok(()));
        }
        // Empty: one token comes back in half a second, reported as the 1 s minimum.
        assert_eq!(b.take("k", t0), Err(1));
        // A quarter second refills half a token: still refused.
        assert_eq!(b.take("k", t0 + secs(0.25)), Err(1));
        // Half a second after the last refill: one token, taken.
        assert_eq!(b.take("k", t0 + secs(0.75)), Ok(()));
        assert!(b.take("k", t0 + secs(0.75)).is_err());
        // An hour of quiet refills only up to the burst, not 7,200 tokens.
        let later = t0 + secs(3600.0);
        for _ in 0..4 {
            assert_eq!(b.take("k", later), Ok(()));
        }
        assert!(b.take("k", later).is_err());
        // A clock that goes backwards refills nothing and does not panic.
        assert!(b.take("k", t0).is_err());
    }

    #[test]
    fn the_wait_is_the_time_to_one_token_clamped_to_one_second_and_one_hour() {
        let now = Instant::now();
        let slow = Rate { per_second: 0.1, burst: 1.0 };
        assert_eq!(slow.wait(&Bucket { tokens: 0.0, last: now }), 10);
        assert_eq!(slow.wait(&Bucket { tokens: 0.5, last: now }), 5);
        // A bucket in debt (failures past the burst) waits for the debt too.
        assert_eq!(Rate { per_second: 0.5, burst: 4.0 }.wait(&Bucket { tokens: -3.0, last: now }), 8);
        assert_eq!(Rate { per_second: 100.0, burst: 1.0 }.wait(&Bucket { tokens: 0.0, last: now }), 1);
        assert_eq!(Rate { per_second: 1e-9, burst: 1.0 }.wait(&Bucket { tokens: 0.0, last: now }), 3600);
        assert_eq!(Rate { per_second: 0.0, burst: 1.0 }.wait(&Bucket { tokens: 0.0, last: now }), 3600);
    }

    #[test]
    fn a_key_limiter_charges_only_the_key_charged() {
        let l = KeyLimiter::new(Rate { per_second: 0.001, burst: 2.0 });
        let (a, b) = ([0xaa; 32], [0xbb; 32]);
        assert!(l.take(a).is_ok());
        assert!(l.take(a).is_ok());
        let wait = l.take(a).unwrap_err();
        assert!((999..=1000).contains(&wait), "{wait}");
        // b's budget is whole after a spent its own.
        assert!(l.take(b).is_ok());
        assert!(l.take(b).is_ok());
        assert!(l.take(b).is_err());
    }

    fn gate(per_client: Rate, global: Rate) -> ClientGate {
        ClientGate::new(GateConfig { per_client, global, ..GateConfig::default() })
    }

    #[test]
    fn an_address_is_refused_after_its_burst_of_failures_and_readmitted_after_refilling() {
        let g = gate(Rate { per_second: 1.0, burst: 3.0 }, Rate { per_second: 1.0, burst: 1e6 });
        let a = ip("192.0.2.10");
        let t0 = Instant::now();
        // Admission alone charges nothing.
        for _ in 0..100 {
            assert_eq!(g.admit_at(a, t0), Ok(()));
        }
        for _ in 0..3 {
            g.failed_at(a, t0);
        }
        assert_eq!(g.admit_at(a, t0), Err(Refusal::Client { retry_after: 1 }));
        // Four more failures push it into debt: four seconds to one token.
        for _ in 0..4 {
            g.failed_at(a, t0);
        }
        assert_eq!(g.admit_at(a, t0), Err(Refusal::Client { retry_after: 4 }));
        assert!(g.admit_at(a, t0 + secs(3.5)).is_err());
        assert_eq!(g.admit_at(a, t0 + secs(4.0)), Ok(()));
        // The debt is bounded by the burst: a long flood costs at most 2 * burst seconds.
        for _ in 0..10_000 {
            g.failed_at(a, t0 + secs(4.0));
        }
        assert_eq!(g.admit_at(a, t0 + secs(4.0)), Err(Refusal::Client { retry_after: 4 }));
        assert_eq!(g.admit_at(a, t0 + secs(8.0)), Ok(()));
        // Nobody else was touched.
        assert_eq!(g.admit_at(ip("192.0.2.11"), t0), Ok(()));
    }

    #[test]
    fn ipv6_addresses_share_a_bucket_per_64_and_ipv4_is_exact() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(client_key(ip("192.0.2.1")), ip("192.0.2.1"));

        let g = gate(Rate { per_second: 0.001, burst: 2.0 }, Rate { per_second: 1.0, burst: 1e6 });
        let t0 = Instant::now();
        g.failed_at(ip("2001:db8:1:2::1"), t0);
        g.failed_at(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), t0);
        assert!(matches!(g.admit_at(ip("2001:db8:1:2::99"), t0), Err(Refusal::Client { .. })));
        assert_eq!(g.admit_at(ip("2001:db8:1:3::1"), t0), Ok(()));
        assert_eq!(g.admit_at(ip("2001:db8:1:1:ffff:ffff:ffff:ffff"), t0), Ok(()));
        assert_eq!(g.tracked(), 1);

        g.failed_at(ip("198.51.100.1"), t0);
        g.failed_at(ip("198.51.100.1"), t0);
        assert!(g.admit_at(ip("198.51.100.1"), t0).is_err());
        // The IPv4-mapped form is the same client; the neighbouring address is not.
        assert!(g.admit_at(ip("::ffff:198.51.100.1"), t0).is_err());
        assert_eq!(g.admit_at(ip("198.51.100.2"), t0), Ok(()));
    }

    #[test]
    fn a_spent_global_budget_admits_only_trusted_addresses_and_refills() {
        let g = gate(Rate { per_second: 1.0, burst: 1e6 }, Rate { per_second: 0.5, burst: 5.0 });
        let t0 = Instant::now();
        let trusted = ip("192.0.2.7");
        g.authenticated_at(trusted, t0);
        for i in 0..5 {
            g.failed_at(ip(&format!("198.51.100.{i}")), t0);
        }
        // Seconds to one token at 0.5 per second.
        assert_eq!(g.admit_at(ip("203.0.113.1"), t0), Err(Refusal::Global { retry_after: 2 }));
        assert_eq!(g.admit_at(ip("2001:db8::1"), t0), Err(Refusal::Global { retry_after: 2 }));
        assert_eq!(g.admit_at(trusted, t0), Ok(()));
        // The global budget never goes into debt: two seconds refill it for everybody.
        for _ in 0..1_000 {
            g.failed_at(ip("198.51.100.200"), t0);
        }
        assert_eq!(g.admit_at(ip("203.0.113.1"), t0 + secs(2.0)), Ok(()));
    }

    #[test]
    fn trust_does_not_override_the_address_s_own_budget() {
        let g = gate(Rate { per_second: 0.001, burst: 2.0 }, Rate { per_second: 1.0, burst: 1e6 });
        let t0 = Instant::now();
        let a = ip("192.0.2.8");
        g.authenticated_at(a, t0);
        g.failed_at(a, t0);
        g.failed_at(a, t0);
        assert!(matches!(g.admit_at(a, t0), Err(Refusal::Client { .. })));
    }

    #[test]
    fn trust_expires_after_an_hour_and_a_new_authentication_renews_it() {
        let g = gate(Rate { per_second: 1.0, burst: 1e6 }, Rate { per_second: 1e-9, burst: 1.0 });
        assert_eq!(GateConfig::default().trusted_for, Duration::from_secs(3600));
        let t0 = Instant::now();
        let a = ip("192.0.2.9");
        g.authenticated_at(a, t0);
        g.failed_at(ip("198.51.100.1"), t0);
        assert!(matches!(g.admit_at(ip("203.0.113.9"), t0), Err(Refusal::Global { .. })));
        assert_eq!(g.admit_at(a, t0 + secs(3599.0)), Ok(()));
        assert!(matches!(g.admit_at(a, t0 + secs(3600.0)), Err(Refusal::Global { .. })));
        g.authenticated_at(a, t0 + secs(3600.0));
        assert_eq!(g.admit_at(a, t0 + secs(7199.0)), Ok(()));
        assert!(g.admit_at(a, t0 + secs(7200.0)).is_err());
    }

    #[test]
    fn the_gate_forgets_the_least_recently_seen_address_first() {
        let g = ClientGate::new(GateConfig {
            per_client: Rate { per_second: 0.001, burst: 1.0 },
            global: Rate { per_second: 1.0, burst: 1e6 },
            capacity: 2,
            ..GateConfig::default()
        });
        let t0 = Instant::now();
        let (a, b, c) = (ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3"));
        g.failed_at(a, t0);
        g.failed_at(b, t0);
        // Seeing a again (even refused) makes b the least recently seen.
        assert!(g.admit_at(a, t0).is_err());
        g.failed_at(c, t0);
        assert_eq!(g.tracked(), 2);
        assert!(g.admit_at(a, t0).is_err(), "a was seen recently and must still be closed");
        assert_eq!(g.admit_at(b, t0), Ok(()), "b was forgotten: it restarts with a full bucket");
        assert!(g.admit_at(c, t0).is_err());
        // A flood of distinct addresses, IPv4 and IPv6 /64s, never grows the map past its capacity.
        let g = ClientGate::new(GateConfig { capacity: 64, ..GateConfig::default() });
        for i in 0..5_000u32 {
            g.failed_at(IpAddr::V4(std::net::Ipv4Addr::from(i)), t0);
            g.authenticated_at(ip(&format!("2001:db8:{:x}:{:x}::1", i >> 16, i & 0xffff)), t0);
            assert!(g.tracked() <= 64);
        }
        assert_eq!(g.tracked(), 64);
        // Many addresses in one /64 take one slot.
        let g = ClientGate::new(GateConfig { capacity: 64, ..GateConfig::default() });
        for i in 0..5_000u32 {
            g.failed_at(ip(&format!("2001:db8::{:x}:{:x}", i >> 16, i & 0xffff)), t0);
        }
        assert_eq!(g.tracked(), 1);
    }
}
