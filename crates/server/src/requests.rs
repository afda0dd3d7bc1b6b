//! Enrolment requests at intake (`POST /v1/enrolment-requests`): a witness's
//! key asking to be enrolled, signed by that key (ENTRIES.md §6). A request
//! that checks out is kept in the data directory
//! (`D/enrolment-requests/`, [`testigo_store::requests`]) until the operator
//! grants it with `testigo enroll --request`; it is never logged.
//!
//! Anyone can make a key and ask, so what is kept is bounded: each request
//! is at most 4 KiB, one file per key (a key's new request replaces its
//! old one), and at most [`MAX_PENDING_REQUESTS`] keys wait at a time (keys
//! enrolled since do not count).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use testigo_election::{decode_request, RequestError};
use testigo_store::PendingRequests;

use crate::node::Node;

/// Most requests of keys not enrolled yet kept at once.
pub const MAX_PENDING_REQUESTS: usize = 10_000;

/// Shortest time between two recounts of the waiting requests once the
/// desk looks full (a recount reads the directory and the registry).
const RECOUNT_EVERY: Duration = Duration::from_secs(10);

/// Why a request was not kept.
#[derive(Debug, thiserror::Error)]
pub enum RequestRefusal {
    /// Not a valid request (form or signature).
    #[error(transparent)]
    Bad(#[from] RequestError),
    /// The scope names no unit of the election.
    #[error(
        "the request asks for unit {0:?}, which this election does not have: ask again with a unit code of the \
         election (or none)"
    )]
    UnknownUnit(String),
    /// The key is enrolled already.
    #[error("{key} is already enrolled, by log entry {index}{revoked}: there is nothing to request")]
    AlreadyEnrolled {
        /// `name+keyid`.
        key: String,
        /// The enrolment's log index.
        index: u64,
        /// `, revoked by …` when it was revoked.
        revoked: String,
    },
    /// Too many requests wait already.
    #[error(
        "{cap} enrolment requests are waiting for the operator already; this one was not kept: try again later, \
         or hand the request to the operator as a file"
    )]
    Full {
        /// The limit.
        cap: usize,
    },
    /// The data directory could not keep it.
    #[error("the request could not be stored; retry later")]
    Storage,
}

impl RequestRefusal {
    /// The stable code answered.
    pub fn code(&self) -> &'static str {
        match self {
            RequestRefusal::Bad(e) => e.code(),
            RequestRefusal::UnknownUnit(_) => "bad_request",
            RequestRefusal::AlreadyEnrolled { .. } => "already_enrolled",
            RequestRefusal::Full { .. } => "requests_full",
            RequestRefusal::Storage => "unavailable",
        }
    }

    /// The HTTP status answered.
    pub fn http_status(&self) -> u16 {
        match self {
            RequestRefusal::Bad(_) | RequestRefusal::UnknownUnit(_) => 400,
            RequestRefusal::AlreadyEnrolled { .. } => 409,
            RequestRefusal::Full { .. } | RequestRefusal::Storage => 503,
        }
    }

    /// Whether the asker sent something wrong (charged to its address).
    pub fn is_client_error(&self) -> bool {
        matches!(self, RequestRefusal::Bad(_) | RequestRefusal::UnknownUnit(_))
    }
}

/// A request kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filed {
    /// The requested key's verifier key line.
    pub key: String,
    /// False when the very same request was kept already.
    pub new: bool,
}

/// How many requests of keys not enrolled yet are kept, as last counted.
#[derive(Clone, Copy, Debug)]
struct Count {
    /// Counted then, plus every file written since (enrolments since are
    /// not subtracted until the next recount: an overestimate).
    waiting: usize,
    counted_at: Instant,
}

/// Where requests are checked and kept.
#[derive(Debug)]
pub struct RequestDesk {
    store: PendingRequests,
    cap: usize,
    count: Mutex<Option<Count>>,
}

impl RequestDesk {
    /// Keeps requests in `store`, at most `cap` of keys not enrolled yet.
    pub fn new(store: PendingRequests, cap: usize) -> Self {
        RequestDesk { store, cap, count: Mutex::new(None) }
    }

    /// Checks a request against `node`'s log and keeps it. Blocks on the
    /// file system: call off the async workers.
    pub fn file(&self, node: &Node, bytes: &[u8]) -> Result<Filed, RequestRefusal> {
        let (request, key) = decode_request(bytes)?;
        {
            let reg = node.registry();
            if let Some(e) = reg.enrolment_for(key.name(), key.key_id()) {
                let revoked = e.revoked.as_ref().map(|r| format!(", revoked by entry {}", r.index)).unwrap_or_default();
                return Err(RequestRefusal::AlreadyEnrolled { key: e.key_label(), index: e.index, revoked });
            }
            if let Some(scope) = &request.scope {
                if reg.election().is_some() && reg.geography().find_unit(scope).is_none() {
                    return Err(RequestRefusal::UnknownUnit(scope.clone()));
                }
            }
        }
        let (name, id) = (key.name(), key.key_id());
        let filed = Filed { key: key.to_vkey(), new: true };
        // A name too long for a file name.
        self.store.path(name, id).map_err(|e| RequestRefusal::Bad(RequestError::Malformed(e)))?;
        let stored = self.store.get(name, id).map_err(|e| storage_error("reading", &e))?;
        match stored {
            Some(b) if b == bytes => return Ok(Filed { new: false, ..filed }),
            // The key's new request replaces its old one: no more room taken.
            Some(_) => {}
            None => self.make_room(node)?,
        }
        self.store.put(name, id, bytes).map_err(|e| storage_error("writing", &e))?;
        if stored.is_none() {
            if let Some(c) = self.count.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                c.waiting += 1;
            }
        }
        Ok(filed)
    }

    /// Whether a request of key `name`+`key_id` is kept.
    pub fn pending(&self, name: &str, key_id: u32) -> bool {
        self.store.get(name, key_id).ok().flatten().is_some()
    }

    /// Refuses when `cap` requests of keys not enrolled yet wait;
    /// counts them again (at most every [`RECOUNT_EVERY`]) when the
    /// estimate says so, since granted requests stay on disk.
    fn make_room(&self, node: &Node) -> Result<(), RequestRefusal> {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        let stale = match *count {
            None => true,
            Some(c) => c.waiting >= self.cap && c.counted_at.elapsed() >= RECOUNT_EVERY,
        };
        if stale {
            let keys = self.store.keys().map_err(|e| storage_error("listing", &e))?;
            let reg = node.registry();
            let waiting = keys.iter().filter(|(n, id)| reg.enrolment_for(n, *id).is_none()).count();
            *count = Some(Count { waiting, counted_at: Instant::now() });
        }
        match *count {
            Some(c) if c.waiting >= self.cap => Err(RequestRefusal::Full { cap: self.cap }),
            _ => Ok(()),
        }
    }
}

fn storage_error(what: &str, e: &std::io::Error) -> RequestRefusal {
    tracing::error!(error = %e, "{what} an enrolment request failed");
    RequestRefusal::Storage
}
