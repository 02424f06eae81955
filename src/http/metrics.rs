//! Prometheus metrics (prometheus-client, OpenMetrics text): requests by route pattern and
//! status, request latency, and the content served (posts, generation, reloads, problems),
//! the last read from the current store when scraped. The endpoint is public, so the content
//! numbers count only what is published: no draft, scheduled or expired post is counted.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::Timestamp;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::domain::Severity;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: Arc<str>,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PostLabels {
    state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ProblemLabels {
    severity: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct WatchingLabels {
    state: &'static str,
}

/// A route's request counters for the answers a cached response gives, found on first use
/// and kept with the response, so counting an answer from the cache needs no lookup.
#[derive(Debug)]
pub struct RouteSeries {
    route: Arc<str>,
    ok: OnceLock<Counter>,
    not_modified: OnceLock<Counter>,
}

impl RouteSeries {
    /// The series of a route pattern, e.g. `/api/v1/posts/{slug}`.
    pub fn new(route: &str) -> RouteSeries {
        RouteSeries {
            route: Arc::from(route),
            ok: OnceLock::new(),
            not_modified: OnceLock::new(),
        }
    }

    /// The route pattern.
    pub fn route(&self) -> &Arc<str> {
        &self.route
    }
}

/// Quire's metrics and the registry that prints them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
    posts: Family<PostLabels, Gauge>,
    generation: Gauge,
    reloads: Gauge,
    problems: Family<ProblemLabels, Gauge>,
    watching: Family<WatchingLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("quire");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            requests.clone(),
        );
        // 100 µs to about 3 s.
        let latency = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response headers",
            latency.clone(),
        );
        let posts = Family::<PostLabels, Gauge>::default();
        registry.register("posts", "Posts published now", posts.clone());
        let generation = Gauge::default();
        registry.register(
            "content_generation",
            "The content version served: 1 after start-up, one more per reload that changed published content",
            generation.clone(),
        );
        let reloads = Gauge::default();
        registry.register(
            "content_reloads",
            "Content reloads that changed published content since start-up",
            reloads.clone(),
        );
        let problems = Family::<ProblemLabels, Gauge>::default();
        registry.register(
            "content_problems",
            "Problems found in the files of published posts, by severity",
            problems.clone(),
        );
        let watching = Family::<WatchingLabels, Gauge>::default();
        registry.register(
            "content_watching",
            "Whether changes to the content folder are followed: 1 for the state it is in (as /readyz says it), 0 for the others; alert on lost",
            watching.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            posts,
            generation,
            reloads,
            problems,
            watching,
        }
    }
}

impl Metrics {
    /// Counts one answered request; `route` is the matched pattern, never the raw path, so
    /// the number of series stays small.
    pub fn observe_request(&self, route: &Arc<str>, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: Arc::clone(route),
                status,
            })
            .inc();
        self.latency.observe(elapsed.as_secs_f64());
    }

    /// [`Metrics::observe_request`] for an answer from the cache, under its route's series.
    pub fn observe_cached(&self, series: &RouteSeries, status: u16, elapsed: Duration) {
        let slot = match status {
            200 => &series.ok,
            304 => &series.not_modified,
            _ => return self.observe_request(&series.route, status, elapsed),
        };
        slot.get_or_init(|| {
            self.requests
                .get_or_create(&RequestLabels {
                    route: Arc::clone(&series.route),
                    status,
                })
                .clone()
        })
        .inc();
        self.latency.observe(elapsed.as_secs_f64());
    }

    /// Sets the content watcher's state: 1 for `current`, 0 for the other `states`, so that
    /// every state has a series to alert on.
    pub fn set_watching(&self, current: &'static str, states: &[&'static str]) {
        for &state in states {
            self.watching
                .get_or_create(&WatchingLabels { state })
                .set(i64::from(state == current));
        }
    }

    /// The OpenMetrics text, with content gauges read from `store` at `now`.
    pub fn render(&self, store: &Store, now: Timestamp) -> String {
        let gauge = |value: usize| i64::try_from(value).unwrap_or(i64::MAX);
        let set_posts = |state, value| {
            self.posts.get_or_create(&PostLabels { state }).set(value);
        };
        set_posts("published", gauge(store.stats(now).posts));
        let generation = i64::try_from(store.public_generation()).unwrap_or(i64::MAX);
        self.generation.set(generation);
        self.reloads.set(generation.saturating_sub(1));
        let problems = store.public_problems(now);
        let errors = problems
            .iter()
            .filter(|problem| problem.severity == Severity::Error)
            .count();
        let warnings = problems.len() - errors;
        for (severity, count) in [("error", errors), ("warning", warnings)] {
            self.problems
                .get_or_create(&ProblemLabels { severity })
                .set(gauge(count));
        }
        let mut text = String::new();
        if let Err(err) = encode(&mut text, &self.registry) {
            log::error!("encoding metrics failed: {err}");
        }
        text
    }
}
