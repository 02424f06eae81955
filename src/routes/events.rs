//! `/api/v1/events`: a Server-Sent Events stream with one `reload` event per change to what
//! the public can read (a reload, or a post going live or expiring), so a frontend can
//! revalidate exactly those pages. Drafts, scheduled and expired posts are never named.
//! Streams are counted and capped, since each holds a connection (a file descriptor) for as
//! long as the client likes, and they end as soon as the server begins to stop.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::rt::time::timeout;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, ResponseError, get, http::header, web};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use super::AppState;
use crate::error::ApiError;
use crate::reload::{GenerationRange, ReloadReport};

pub use crate::error::STREAMS_RETRY_AFTER;
pub use crate::http::DEFAULT_MAX_EVENT_STREAMS;

/// How often an idle stream sends a comment, so proxies keep the connection open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The event streams open now, how many may be, and whether the server is stopping. Shared by
/// every worker, so the cap holds for the whole server.
#[derive(Debug)]
pub struct EventStreams {
    open: AtomicUsize,
    limit: usize,
    /// `true` once the server begins to stop: every stream watching it ends.
    stopping: watch::Sender<bool>,
}

impl EventStreams {
    /// Room for at most `limit` streams at once.
    pub fn new(limit: usize) -> EventStreams {
        EventStreams {
            open: AtomicUsize::new(0),
            limit,
            stopping: watch::Sender::new(false),
        }
    }

    /// How many streams are open.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// The most streams that may be open at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Ends every open stream and refuses new ones: the server is stopping, and a graceful
    /// stop waits for open responses, which an endless stream never finishes on its own.
    pub fn close(&self) {
        if !self.stopping.send_replace(true) {
            log::info!("ending {} open event streams", self.open());
        }
    }

    /// A slot for one more stream, held until the stream ends (or its client goes away), or
    /// `None` when `limit` streams are open or the server is stopping.
    fn admit(self: &Arc<EventStreams>) -> Option<StreamSlot> {
        if *self.stopping.borrow() {
            return None;
        }
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.limit).then_some(open + 1)
            })
            .ok()
            .map(|_| StreamSlot(Arc::clone(self)))
    }
}

/// One open stream's place in [`EventStreams`]; dropping it frees the place, however the
/// stream ended.
#[derive(Debug)]
struct StreamSlot(Arc<EventStreams>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Streams reload events: `event: reload`, `id:` the content generation, and `data:` a JSON
/// `ReloadReport` naming the post slugs that changed. The stream opens with a comment and sends
/// `: keep-alive` every 15 seconds. The same report, with a delivery id and timestamp, is
/// POSTed to the webhook (see `webhooks` in the document). At most `--max-event-streams` are
/// open at once; past that the answer is 503 with `Retry-After`.
#[utoipa::path(
    tag = "events",
    responses(
        (status = 200,
            description = "An endless `text/event-stream`. Each reload that changes posts sends `event: reload` with `id: <generation>` and `data: {\"generation\": 8, \"created\": [\"new-post\"], \"updated\": [\"edited-post\"], \"deleted\": [], \"at\": \"2026-01-01T00:00:00Z\"}` (a `ReloadReport`: slugs created, updated and deleted; `at` is RFC 3339). If the client falls so far behind that reports are dropped, the next `reload` event also carries `missed: {\"from\": 9, \"to\": 12}`: the generations whose changes it may not list, so refetch everything. Lines starting with `:` are comments (the opening line and a keep-alive every 15 s). When the server stops, the stream ends with a comment saying so; reconnect after `retry` (2 s).",
            body = String, content_type = "text/event-stream",
            example = ": connected at generation 7\n\nevent: reload\nid: 8\ndata: {\"generation\":8,\"created\":[\"new-post\"],\"updated\":[],\"deleted\":[],\"at\":\"2026-01-01T00:00:00Z\"}\n\n"),
        (status = 503, description = "`--max-event-streams` streams are open already (or the server is stopping); try again after `Retry-After`.",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u32, description = "`30` (seconds)."),
            )),
    )
)]
#[get("/events")]
pub async fn stream_events(
    state: web::Data<AppState>,
    streams: web::Data<EventStreams>,
) -> HttpResponse {
    let streams = streams.into_inner();
    let Some(slot) = streams.admit() else {
        return ApiError::TooManyEventStreams {
            limit: streams.limit(),
        }
        .error_response();
    };
    let receiver = state.reloader.announcements();
    let generation = state.store.load().public_generation();
    let opening = format!(": connected at generation {generation}\nretry: 2000\n\n");
    let listener = Listener {
        receiver,
        stopping: streams.stopping.subscribe(),
        heard: generation,
        _slot: slot,
    };
    let events = stream::once(async move { Ok::<_, Infallible>(Bytes::from(opening)) })
        .chain(stream::unfold(Some(listener), next_event));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events)
}

/// What one open stream listens to, and its place among the open streams.
struct Listener {
    receiver: Receiver<Arc<ReloadReport>>,
    stopping: watch::Receiver<bool>,
    /// The generation of the last report sent (or the one connected at).
    heard: u64,
    _slot: StreamSlot,
}

/// The next chunk of the stream: a reload event, a keep-alive comment after a quiet spell, or
/// a last comment when the server stops; `None` ends the stream (after that last comment, or
/// when reloads stop for good).
async fn next_event(
    listener: Option<Listener>,
) -> Option<(Result<Bytes, Infallible>, Option<Listener>)> {
    let mut listener = listener?;
    let chunk = tokio::select! {
        biased;
        _ = listener.stopping.wait_for(|stopping| *stopping) => {
            let goodbye = b": the server is stopping; reconnect shortly\n\n";
            return Some((Ok(Bytes::from_static(goodbye)), None));
        }
        next = timeout(KEEP_ALIVE, listener.receiver.recv()) => match next {
            Err(_quiet) => Bytes::from_static(b": keep-alive\n\n"),
            Ok(Ok(report)) => {
                listener.heard = report.generation;
                reload_event(&report, None)
            }
            Ok(Err(RecvError::Lagged(missed))) => {
                // The oldest report still kept comes next at once; it carries the gap, so a
                // client that ignores comments still learns it missed something.
                match listener.receiver.recv().await {
                    Ok(report) => {
                        let gap = GenerationRange {
                            from: listener.heard.saturating_add(1).min(report.generation),
                            to: report.generation,
                        };
                        log::warn!(
                            "event stream: a client fell behind and missed {missed} reports \
                             (generations {} to {})",
                            gap.from,
                            gap.to
                        );
                        listener.heard = report.generation;
                        reload_event(&report, Some(gap))
                    }
                    Err(_) => return None,
                }
            }
            Ok(Err(RecvError::Closed)) => return None,
        },
    };
    Some((Ok(chunk), Some(listener)))
}

/// The `data` of a reload event: the report, and the generations whose changes the client may
/// not have been told when it fell behind.
#[derive(Serialize)]
struct ReloadEventData<'a> {
    #[serde(flatten)]
    report: &'a ReloadReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    missed: Option<GenerationRange>,
}

/// An `event: reload` for `report`.
fn reload_event(report: &ReloadReport, missed: Option<GenerationRange>) -> Bytes {
    // A struct of strings and numbers always serializes.
    let data = serde_json::to_string(&ReloadEventData { report, missed }).unwrap_or_default();
    Bytes::from(format!(
        "event: reload\nid: {}\ndata: {data}\n\n",
        report.generation
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_refused_past_the_limit_and_freed_when_dropped() {
        let streams = Arc::new(EventStreams::new(2));
        let first = streams.admit().expect("room for one");
        let _second = streams.admit().expect("room for two");

        assert!(streams.admit().is_none(), "no room for a third");
        drop(first);
        assert_eq!(streams.open(), 1);
        assert!(streams.admit().is_some(), "a freed slot is given again");
    }

    fn report(generation: u64, created: &str) -> Arc<ReloadReport> {
        Arc::new(ReloadReport {
            generation,
            created: vec![created.to_owned()],
            updated: Vec::new(),
            deleted: Vec::new(),
            at: "2026-01-01T00:00:00Z".to_owned(),
        })
    }

    #[actix_web::test]
    async fn a_client_that_fell_behind_gets_a_reload_event_naming_the_missed_generations() {
        // Arrange: a channel of two reports, five sent while the client read none.
        let (sender, receiver) = tokio::sync::broadcast::channel(2);
        let streams = Arc::new(EventStreams::new(1));
        let listener = Listener {
            receiver,
            stopping: streams.stopping.subscribe(),
            heard: 3,
            _slot: streams.admit().expect("a slot"),
        };
        for generation in 4..=8 {
            sender
                .send(report(generation, &format!("post-{generation}")))
                .ok();
        }

        // Act
        let (chunk, listener) = next_event(Some(listener)).await.expect("an event");
        let (next, _) = next_event(listener).await.expect("another event");

        // Assert: the oldest report kept (7) says 4 to 7 may be missing; 8 follows as usual.
        let chunk = String::from_utf8(chunk.unwrap().to_vec()).unwrap();
        assert!(
            chunk.starts_with("event: reload\nid: 7\ndata: {"),
            "{chunk}"
        );
        let data: serde_json::Value =
            serde_json::from_str(chunk.lines().nth(2).unwrap().trim_start_matches("data: "))
                .expect("the data is JSON");
        assert_eq!(data["missed"], serde_json::json!({"from": 4, "to": 7}));
        assert_eq!(data["created"], serde_json::json!(["post-7"]));
        let next = String::from_utf8(next.unwrap().to_vec()).unwrap();
        assert!(
            next.starts_with("event: reload\nid: 8\n") && !next.contains("missed"),
            "{next}"
        );
    }

    #[actix_web::test]
    async fn a_stream_ends_with_a_comment_when_the_server_stops() {
        let (_sender, receiver) = tokio::sync::broadcast::channel(2);
        let streams = Arc::new(EventStreams::new(1));
        let listener = Listener {
            receiver,
            stopping: streams.stopping.subscribe(),
            heard: 1,
            _slot: streams.admit().expect("a slot"),
        };

        streams.close();
        let (chunk, listener) = next_event(Some(listener)).await.expect("a last comment");

        assert!(chunk.unwrap().starts_with(b": the server is stopping"));
        assert!(next_event(listener).await.is_none(), "then the stream ends");
        assert_eq!(streams.open(), 0, "and its slot is free");
    }

    #[test]
    fn no_slot_is_given_once_the_server_is_stopping() {
        let streams = Arc::new(EventStreams::new(2));
        streams.close();

        assert!(streams.admit().is_none());
    }
}
