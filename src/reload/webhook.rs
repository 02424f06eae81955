//! The outbound webhook: after each reload, POST the report to a URL with a delivery id and
//! timestamp, signed with HMAC-SHA256, retrying with backoff on a thread of its own so a slow
//! receiver never holds up a reload. Its payload is declared in the OpenAPI `webhooks`.

use std::sync::Arc;
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
use crate::settings::Secret;

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
    "at": "2026-01-01T00:00:00Z"
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

/// Delivers every report `reports` receives to the webhook, in order, on its own thread.
pub fn spawn(webhook: Webhook, mut reports: Receiver<Arc<ReloadReport>>) -> std::io::Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    thread::Builder::new()
        .name("quire-webhook".to_owned())
        .spawn(move || {
            loop {
                match reports.blocking_recv() {
                    Ok(report) => deliver(&agent, &webhook, &report),
                    Err(RecvError::Lagged(missed)) => {
                        log::warn!(
                            "webhook: {missed} reloads were not sent, the receiver is too slow"
                        )
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        })?;
    Ok(())
}

/// POSTs one report, retrying with exponential backoff; gives up with an error in the log.
fn deliver(agent: &ureq::Agent, webhook: &Webhook, report: &ReloadReport) {
    let mut payload = WebhookPayload {
        delivery_id: new_delivery_id(),
        timestamp: String::new(),
        report: report.clone(),
    };
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
                    "webhook: sent reload {} to {} (delivery {})",
                    report.generation,
                    webhook.url,
                    payload.delivery_id
                );
                return;
            }
            Err(err) if attempt < ATTEMPTS => {
                log::warn!(
                    "webhook: reload {} to {} failed ({err}); retrying in {} ms",
                    report.generation,
                    webhook.url,
                    backoff.as_millis()
                );
                thread::sleep(backoff);
                backoff *= 2;
            }
            Err(err) => log::error!(
                "webhook: reload {} to {} failed {ATTEMPTS} times ({err}); giving up on it",
                report.generation,
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
         or no answer within 10 s, is retried up to 3 more times (after 0.25, 0.5 and 1 s)."
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
mod tests {
    use super::*;

    #[test]
    fn a_delivery_id_is_a_version_4_uuid_and_new_each_time() {
        let id = new_delivery_id();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();

        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert!(
            id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(&id[14..15], "4", "{id}");
        assert!("89ab".contains(&id[19..20]), "{id}");
        assert_ne!(id, new_delivery_id());
    }

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
