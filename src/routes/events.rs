//! `/api/v1/events`: a Server-Sent Events stream with one `reload` event per change to what
//! the public can read (a reload, or a post going live or expiring), so a frontend can
//! revalidate exactly those pages. Drafts, scheduled and expired posts are never named.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::rt::time::timeout;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, http::header, web};
use futures_util::stream::{self, StreamExt};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use crate::reload::ReloadReport;

/// How often an idle stream sends a comment, so proxies keep the connection open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Streams reload events: `event: reload`, `id:` the content generation, and `data:` a JSON
/// `ReloadReport` naming the post slugs that changed. The stream opens with a comment and sends
/// `: keep-alive` every 15 seconds. The same report, with a delivery id and timestamp, is
/// POSTed to the webhook (see `webhooks` in the document).
#[utoipa::path(
    tag = "events",
    responses(
        (status = 200,
            description = "An endless `text/event-stream`. Each reload that changes posts sends `event: reload` with `id: <generation>` and `data: {\"generation\": 8, \"created\": [\"new-post\"], \"updated\": [\"edited-post\"], \"deleted\": [], \"at\": \"2026-01-01T00:00:00Z\"}` (a `ReloadReport`: slugs created, updated and deleted; `at` is RFC 3339). Lines starting with `:` are comments (the opening line and a keep-alive every 15 s).",
            body = String, content_type = "text/event-stream",
            example = ": connected at generation 7\n\nevent: reload\nid: 8\ndata: {\"generation\":8,\"created\":[\"new-post\"],\"updated\":[],\"deleted\":[],\"at\":\"2026-01-01T00:00:00Z\"}\n\n"),
    )
)]
#[get("/events")]
pub async fn stream_events(state: web::Data<AppState>) -> HttpResponse {
    let receiver = state.reloader.announcements();
    let opening = format!(
        ": connected at generation {}\nretry: 2000\n\n",
        state.store.load().public_generation()
    );
    let events = stream::once(async move { Ok::<_, Infallible>(Bytes::from(opening)) })
        .chain(stream::unfold(receiver, next_event));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        // Compression would hold events back until a buffer fills; `identity` tells the
        // `Compress` layer to leave the stream alone (the marker is removed on the way out).
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(events)
}

/// The next chunk of the stream: a reload event, or a keep-alive comment after a quiet spell;
/// `None` ends the stream when reloads stop for good.
async fn next_event(
    mut receiver: Receiver<Arc<ReloadReport>>,
) -> Option<(Result<Bytes, Infallible>, Receiver<Arc<ReloadReport>>)> {
    let chunk = match timeout(KEEP_ALIVE, receiver.recv()).await {
        Err(_quiet) => Bytes::from_static(b": keep-alive\n\n"),
        Ok(Ok(report)) => Bytes::from(format!(
            "event: reload\nid: {}\ndata: {}\n\n",
            report.generation,
            report.to_json()
        )),
        Ok(Err(RecvError::Lagged(missed))) => Bytes::from(format!(
            ": {missed} reloads were skipped; refetch everything\n\n"
        )),
        Ok(Err(RecvError::Closed)) => return None,
    };
    Some((Ok(chunk), receiver))
}
