//! The outbound webhook: after each reload, POST the report to a URL with a delivery id and
//! timestamp, signed with HMAC-SHA256, retrying with backoff on a thread of its own so a slow
//! receiver never holds up a reload. Reports that arrive while a delivery is under way wait in
//! a queue that merges them into one (so it holds at most one entry per post, however slow
//! the receiver), and the delivery that carries them says which reloads it stands for. Its
//! payload is declared in the OpenAPI `webhooks`.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn, PathItem, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};

use super::ReloadReport;
use crate::secret::Secret;

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Quire-Signature";

/// The header repeating the body's `deliveryId`, so a receiver can drop a duplicate unread.
pub const DELIVERY_HEADER: &str = "X-Quire-Delivery";

/// The header repeating the body's `timestamp`.
pub const TIMESTAMP_HEADER: &str = "X-Quire-Timestamp";

/// The name of the webhook in the OpenAPI document's `webhooks`.
pub const WEBHOOK_NAME: &str = "reload";

/// The body POSTed to the webhook: the reload report, plus what a receiver needs to drop
/// duplicates (`deliveryId`, the same on every retry of one report) and replays (`timestamp`,
/// new on each attempt). Both are inside the signed body, so neither can be changed unnoticed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "deliveryId": "5f0c3a9e-2b7d-4c1e-9a63-0d8e4f2b1c7a",
    "timestamp": "2026-01-01T00:00:01Z",
    "generation": 8,
    "created": ["new-post"],
    "updated": ["edited-post"],
    "deleted": [],
    "at": "2026-01-01T00:00:00Z",
    "coalesced": null,
    "missed": null
}))]
pub struct WebhookPayload {
    /// Identifies the report: every retry of one report carries the same id, and no two
    /// reports share one (even across restarts, when `generation` starts again). Drop a
    /// delivery whose id you have already handled. A random version 4 UUID.
    #[schema(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    pub delivery_id: String,
    /// When this attempt was sent, RFC 3339 (retries carry a later one). Reject a delivery
    /// whose timestamp is older than a few minutes: it is a replay.
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// What the reload changed.
    #[serde(flatten)]
    pub report: ReloadReport,
    /// The reloads this one delivery stands for, when the receiver was too slow to be sent
    /// them one by one (`generation` is the last): `created`, `updated` and `deleted` are
    /// their net effect, so nothing is lost (a post created and deleted again in between is
    /// listed as deleted). `null` when the delivery is one reload.
    #[schema(required = true)]
    pub coalesced: Option<GenerationRange>,
    /// The generations of reports Quire dropped before it could merge them (it fell far
    /// behind): the lists may not name every post they changed, so refetch everything.
    /// `null` when nothing was dropped.
    #[schema(required = true)]
    pub missed: Option<GenerationRange>,
}

/// Content generations from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"from": 9, "to": 12}))]
pub struct GenerationRange {
    /// The first generation.
    pub from: u64,
    /// The last generation.
    pub to: u64,
}

/// A random version 4 UUID, as a delivery id: unique without coordination, and nothing to
/// guess from it.
fn new_delivery_id() -> String {
    let high = (fastrand::u64(..) & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let low = (fastrand::u64(..) & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// Tries per report, and the wait before the first retry (doubled each time).
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to deliver reports.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The receiver's URL.
    pub url: String,
    /// The signing key; without one, no signature header is sent.
    pub secret: Option<Secret>,
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

/// Delivers every report `reports` receives to the webhook, in order, on its own thread; a
/// second thread takes reports off the channel as they come, so the channel never overflows
/// while a delivery waits on the receiver.
pub fn spawn(webhook: Webhook, mut reports: Receiver<Arc<ReloadReport>>) -> std::io::Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let queue = Arc::new(Queue::default());
    let filling = Arc::clone(&queue);
    thread::Builder::new()
        .name("quire-webhook-queue".to_owned())
        .spawn(move || {
            loop {
                match reports.blocking_recv() {
                    Ok(report) => filling.push(&report),
                    Err(RecvError::Lagged(dropped)) => filling.note_dropped(dropped),
                    Err(RecvError::Closed) => break,
                }
            }
            filling.close();
        })?;
    thread::Builder::new()
        .name("quire-webhook".to_owned())
        .spawn(move || {
            while let Some(pending) = queue.take() {
                let delivery = pending.into_delivery();
                if let Some(range) = delivery.coalesced {
                    log::warn!(
                        "webhook: {} is slower than the reloads; reloads {} to {} are sent as one delivery",
                        webhook.url,
                        range.from,
                        range.to
                    );
                }
                deliver(&agent, &webhook, delivery);
            }
        })?;
    Ok(())
}

/// The reports waiting for the receiver, merged into one.
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    pending: Option<Pending>,
    /// The generation of the last report queued, to say where dropped ones began.
    heard: Option<u64>,
    /// How many reports the channel dropped since the last one queued.
    dropped: u64,
    closed: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a report, merged into those already waiting.
    fn push(&self, report: &ReloadReport) {
        let mut state = self.lock();
        let missed = (state.dropped > 0).then(|| GenerationRange {
            from: state
                .heard
                .map_or(1, |heard| heard + 1)
                .min(report.generation),
            to: report.generation,
        });
        state.dropped = 0;
        state.heard = Some(report.generation);
        match &mut state.pending {
            Some(pending) => pending.merge(report, missed),
            None => state.pending = Some(Pending::of(report, missed)),
        }
        drop(state);
        self.ready.notify_one();
    }

    /// Notes that the channel dropped `count` reports: the next delivery says so.
    fn note_dropped(&self, count: u64) {
        log::warn!(
            "webhook: {count} reload reports were dropped before they could be queued; the next delivery says so in `missed`"
        );
        self.lock().dropped += count;
    }

    /// No more reports will come; what is waiting is still delivered.
    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    /// Waits for reports and takes them all; `None` once closed and empty.
    fn take(&self) -> Option<Pending> {
        let mut state = self.lock();
        loop {
            if let Some(pending) = state.pending.take() {
                return Some(pending);
            }
            if state.closed {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Reports merged for one delivery: for each slug, whether the receiver knew the post before
/// the first of them and whether it exists after the last.
struct Pending {
    first: u64,
    latest: ReloadReport,
    reports: usize,
    slugs: BTreeMap<String, (bool, bool)>,
    missed: Option<GenerationRange>,
}

impl Pending {
    fn of(report: &ReloadReport, missed: Option<GenerationRange>) -> Pending {
        let mut pending = Pending {
            first: report.generation,
            latest: report.clone(),
            reports: 0,
            slugs: BTreeMap::new(),
            missed: None,
        };
        pending.merge(report, missed);
        pending
    }

    fn merge(&mut self, report: &ReloadReport, missed: Option<GenerationRange>) {
        let steps = [
            (&report.created, false, true),
            (&report.updated, true, true),
            (&report.deleted, true, false),
        ];
        for (slugs, existed, exists) in steps {
            for slug in slugs {
                self.slugs
                    .entry(slug.clone())
                    .and_modify(|state| state.1 = exists)
                    .or_insert((existed, exists));
            }
        }
        self.reports += 1;
        self.missed = match (self.missed, missed) {
            (Some(earlier), Some(later)) => Some(GenerationRange {
                from: earlier.from,
                to: later.to,
            }),
            (earlier, later) => earlier.or(later),
        };
        self.latest = ReloadReport {
            created: Vec::new(),
            updated: Vec::new(),
            deleted: Vec::new(),
            ..report.clone()
        };
    }

    /// The merged report as one delivery's payload (its id and timestamp still to be set).
    fn into_delivery(self) -> WebhookPayload {
        let mut report = self.latest;
        for (slug, state) in self.slugs {
            match state {
                (false, true) => report.created.push(slug),
                (true, true) => report.updated.push(slug),
                // Created and deleted again in between: listed as deleted all the same, since
                // the receiver may have read the post from the API meanwhile.
                (_, false) => report.deleted.push(slug),
            }
        }
        let coalesced = (self.reports > 1).then_some(GenerationRange {
            from: self.first,
            to: report.generation,
        });
        WebhookPayload {
            delivery_id: String::new(),
            timestamp: String::new(),
            report,
            coalesced,
            missed: self.missed,
        }
    }
}

/// POSTs one delivery, retrying with exponential backoff; gives up with an error in the log.
fn deliver(agent: &ureq::Agent, webhook: &Webhook, mut payload: WebhookPayload) {
    payload.delivery_id = new_delivery_id();
    let generation = payload.report.generation;
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        payload.timestamp = Timestamp::now().to_string();
        // A struct of strings, numbers and lists of strings always serializes.
        let body = serde_json::to_string(&payload).unwrap_or_default();
        let mut request = agent
            .post(&webhook.url)
            .header("Content-Type", "application/json")
            .header(DELIVERY_HEADER, &payload.delivery_id)
            .header(TIMESTAMP_HEADER, &payload.timestamp);
        if let Some(secret) = &webhook.secret {
            request = request.header(
                SIGNATURE_HEADER,
                signature(secret.expose(), body.as_bytes()),
            );
        }
        match request.send(body.as_bytes()) {
            Ok(_) => {
                log::info!(
                    "webhook: sent reload {generation} to {} (delivery {})",
                    webhook.url,
                    payload.delivery_id
                );
                return;
            }
            Err(err) if attempt < ATTEMPTS => {
                log::warn!(
                    "webhook: reload {generation} to {} failed ({err}); retrying in {} ms",
                    webhook.url,
                    backoff.as_millis()
                );
                thread::sleep(backoff);
                backoff *= 2;
            }
            Err(err) => log::error!(
                "webhook: reload {generation} to {} failed {ATTEMPTS} times ({err}); giving up on it",
                webhook.url
            ),
        }
    }
}

/// Declares the webhook in the OpenAPI document's `webhooks` (OpenAPI 3.1): the request Quire
/// sends, its headers, and what the receiver's answer means.
pub fn declare(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in [
        (WebhookPayload::name(), WebhookPayload::schema()),
        (ReloadReport::name(), ReloadReport::schema()),
        (GenerationRange::name(), GenerationRange::schema()),
    ] {
        components.schemas.insert(name.into_owned(), schema);
    }
    let header = |name: &str, description: &str, required: Required| {
        let mut parameter = Parameter::new(name);
        parameter.parameter_in = ParameterIn::Header;
        parameter.required = required;
        parameter.description = Some(description.to_owned());
        parameter.schema = Some(Object::with_type(Type::String).into());
        RefOr::T(parameter)
    };
    let mut operation = Operation::new();
    operation.summary = Some("What a content reload changed, POSTed to `--webhook-url`.".into());
    operation.description = Some(
        "Sent after each reload that changed posts, as JSON. To trust a delivery: check \
         `X-Quire-Signature` (HMAC-SHA256 of the raw body under `--webhook-secret`), then drop \
         it if its `deliveryId` was handled already (retries repeat it) or its `timestamp` is \
         more than a few minutes old (a replay). Any 2xx answer acknowledges it; anything else, \
         or no answer within 10 s, is retried up to 3 more times (after 0.25, 0.5 and 1 s). \
         Deliveries are sent one at a time, in order; reloads that happen meanwhile are merged \
         into the next delivery, whose `coalesced` names the generations it stands for."
            .into(),
    );
    operation.tags = Some(vec!["events".to_owned()]);
    operation.operation_id = Some("reload_webhook".to_owned());
    operation.parameters = Some(vec![
        header(
            SIGNATURE_HEADER,
            "`sha256=<hex HMAC-SHA256 of the body>`; only with `--webhook-secret`.",
            Required::False,
        ),
        header(
            DELIVERY_HEADER,
            "The body's `deliveryId`, the same on every retry.",
            Required::True,
        ),
        header(
            TIMESTAMP_HEADER,
            "The body's `timestamp`: when this attempt was sent.",
            Required::True,
        ),
    ]);
    operation.request_body = Some(RefOr::T(
        RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name(WebhookPayload::name()))),
            )
            .build(),
    ));
    operation.responses.responses.insert(
        "2XX".to_owned(),
        ResponseBuilder::new()
            .description("Received; the body of the answer is ignored.")
            .into(),
    );
    operation.responses.responses.insert(
        "default".to_owned(),
        ResponseBuilder::new()
            .description("Any other answer (or none) makes Quire retry.")
            .into(),
    );
    let webhooks = document.webhooks.get_or_insert_with(Paths::new);
    webhooks.paths.insert(
        WEBHOOK_NAME.to_owned(),
        PathItem::new(HttpMethod::Post, operation),
    );
}

#[cfg(test)]
mod tests;
