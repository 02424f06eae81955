//! Bounded, concurrent caches (quick_cache) of what Quire serializes: whole prepared responses
//! keyed by content version, and each post's summary JSON, from which list pages are
//! assembled. Keys carry the store generation and visibility epoch, so a reload or a
//! scheduled post going live simply stops old entries from being asked for. The first entry of
//! a newer generation clears the older ones: under frequent reloads the caches would otherwise
//! fill to their byte bounds with versions no request asks for again, so their memory follows
//! the content, not the number of reloads (guarded by the tests below and `benches/soak.sh`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::web::Bytes;
use quick_cache::sync::Cache;
use quick_cache::{Equivalent, Weighter};

use super::metrics::RouteSeries;
use super::prepared::Prepared;

/// How many bytes of prepared responses are kept.
const RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// How many bytes of summary fragments are kept.
const SUMMARY_BYTES: u64 = 64 * 1024 * 1024;

/// What a prepared response is cached under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseKey {
    /// The store's content version.
    pub generation: u64,
    /// How many visibility changes have passed.
    pub epoch: usize,
    /// The request path.
    pub path: String,
    /// The query string as sent: pagination links echo the client's parameter order, so two
    /// spellings of one query are two entries.
    pub query: String,
}

/// A [`ResponseKey`] borrowing the request's path and query, to look up without copying
/// them; it hashes exactly like the owned key.
#[derive(Debug, Clone, Copy, Hash)]
pub struct ResponseKeyRef<'a> {
    /// The store's content version.
    pub generation: u64,
    /// How many visibility changes have passed.
    pub epoch: usize,
    /// The request path.
    pub path: &'a str,
    /// The query string as sent.
    pub query: &'a str,
}

impl Equivalent<ResponseKey> for ResponseKeyRef<'_> {
    fn equivalent(&self, key: &ResponseKey) -> bool {
        self.generation == key.generation
            && self.epoch == key.epoch
            && self.path == key.path
            && self.query == key.query
    }
}

impl ResponseKeyRef<'_> {
    /// The owned key, to insert under.
    pub fn to_owned(&self) -> ResponseKey {
        ResponseKey {
            generation: self.generation,
            epoch: self.epoch,
            path: self.path.to_owned(),
            query: self.query.to_owned(),
        }
    }
}

impl ResponseKey {
    /// The key borrowed, to look up with.
    pub fn borrowed(&self) -> ResponseKeyRef<'_> {
        ResponseKeyRef {
            generation: self.generation,
            epoch: self.epoch,
            path: &self.path,
            query: &self.query,
        }
    }
}

/// A cached response with the route pattern that prepared it, so an answer from the cache,
/// which skips routing, is still counted under its route.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The response.
    pub prepared: Arc<Prepared>,
    /// The route pattern, e.g. `/api/v1/posts/{slug}`, and its request counters.
    pub route: Arc<RouteSeries>,
}

#[derive(Debug, Clone, Copy, Default)]
struct ResponseWeight;

impl Weighter<ResponseKey, Cached> for ResponseWeight {
    fn weight(&self, key: &ResponseKey, value: &Cached) -> u64 {
        (key.path.len() + key.query.len() + value.route.route().len() + value.prepared.weight())
            as u64
    }
}

/// The newest content generation a cache has taken an entry of.
#[derive(Debug, Default)]
struct Newest(AtomicU64);

impl Newest {
    /// Notes an entry of `generation` and says whether it is newer than every entry before,
    /// so the older ones are of no more use.
    fn passed_by(&self, generation: u64) -> bool {
        self.0.fetch_max(generation, Ordering::Relaxed) < generation
    }
}

/// Prepared responses by content version, path and query.
#[derive(Debug)]
pub struct ResponseCache {
    entries: Cache<ResponseKey, Cached, ResponseWeight>,
    newest: Newest,
}

impl Default for ResponseCache {
    fn default() -> ResponseCache {
        ResponseCache {
            entries: Cache::with_weighter(16_384, RESPONSE_BYTES, ResponseWeight),
            newest: Newest::default(),
        }
    }
}

impl ResponseCache {
    /// The response cached under `key`, if any.
    pub fn get(&self, key: &ResponseKeyRef<'_>) -> Option<Cached> {
        self.entries.get(key)
    }

    /// Keeps a response; the first of a newer generation drops those of older ones.
    pub fn insert(&self, key: ResponseKey, cached: Cached) {
        if self.newest.passed_by(key.generation) {
            self.entries.clear();
        }
        self.entries.insert(key, cached);
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct FragmentWeight;

impl Weighter<(u64, String), Bytes> for FragmentWeight {
    fn weight(&self, key: &(u64, String), value: &Bytes) -> u64 {
        (key.1.len() + value.len() + 64) as u64
    }
}

/// Each post's summary JSON by (generation, slug), serialized once and shared by every list
/// page that shows the post.
#[derive(Debug)]
pub struct SummaryCache {
    entries: Cache<(u64, String), Bytes, FragmentWeight>,
    newest: Newest,
}

impl Default for SummaryCache {
    fn default() -> SummaryCache {
        SummaryCache {
            entries: Cache::with_weighter(65_536, SUMMARY_BYTES, FragmentWeight),
            newest: Newest::default(),
        }
    }
}

impl SummaryCache {
    /// The summary of `slug` in content version `generation`, serialized by `serialize` the
    /// first time.
    pub fn get_or_insert<E>(
        &self,
        generation: u64,
        slug: &str,
        serialize: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Bytes, E> {
        let key = (generation, slug.to_owned());
        if let Some(bytes) = self.entries.get(&key) {
            return Ok(bytes);
        }
        let bytes = Bytes::from(serialize()?);
        if self.newest.passed_by(generation) {
            self.entries.clear();
        }
        self.entries.insert(key, bytes.clone());
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_key_finds_what_the_owned_key_stored() {
        let cache = ResponseCache::default();
        let key = ResponseKeyRef {
            generation: 3,
            epoch: 1,
            path: "/api/v1/posts",
            query: "tag=a",
        };
        let cached = Cached {
            prepared: Arc::new(Prepared::json_bytes("[]")),
            route: Arc::new(RouteSeries::new("/api/v1/posts")),
        };
        cache.insert(key.to_owned(), cached);
        assert!(cache.get(&key).is_some());
        for other in [
            ResponseKeyRef {
                generation: 4,
                ..key
            },
            ResponseKeyRef { epoch: 2, ..key },
            ResponseKeyRef {
                path: "/api/v1/posts/",
                ..key
            },
            ResponseKeyRef { query: "", ..key },
        ] {
            assert!(cache.get(&other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn the_first_entry_of_a_newer_generation_drops_the_older_ones_and_a_late_older_one_drops_nothing()
     {
        let cache = ResponseCache::default();
        let cached = || Cached {
            prepared: Arc::new(Prepared::json_bytes("[]")),
            route: Arc::new(RouteSeries::new("/api/v1/posts")),
        };
        let key = |generation, path| ResponseKeyRef {
            generation,
            epoch: 0,
            path,
            query: "",
        };
        cache.insert(key(1, "/a").to_owned(), cached());
        cache.insert(key(1, "/b").to_owned(), cached());
        assert!(cache.get(&key(1, "/a")).is_some() && cache.get(&key(1, "/b")).is_some());

        cache.insert(key(2, "/a").to_owned(), cached());
        assert!(cache.get(&key(1, "/a")).is_none() && cache.get(&key(1, "/b")).is_none());
        assert!(cache.get(&key(2, "/a")).is_some());

        // A request that began before the reload finishes after it.
        cache.insert(key(1, "/c").to_owned(), cached());
        assert!(cache.get(&key(2, "/a")).is_some());

        let summaries = SummaryCache::default();
        for generation in [1, 2] {
            summaries
                .get_or_insert(generation, "a", || Ok::<_, ()>(b"{}".to_vec()))
                .unwrap();
        }
        assert!(summaries.entries.get(&(1, "a".to_owned())).is_none());
        assert!(summaries.entries.get(&(2, "a".to_owned())).is_some());
    }

    #[test]
    fn a_summary_is_serialized_once_per_generation() {
        let cache = SummaryCache::default();
        let mut calls = 0;
        for generation in [1, 1, 2] {
            let bytes = cache
                .get_or_insert(generation, "a", || {
                    calls += 1;
                    Ok::<_, ()>(b"{}".to_vec())
                })
                .unwrap();
            assert_eq!(&bytes[..], b"{}");
        }
        assert_eq!(calls, 2);
    }
}
