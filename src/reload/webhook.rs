//! The outbound webhook: after each reload, POST the report to a URL with a delivery id and
//! timestamp, signed with HMAC-SHA256, retrying with backoff on a thread of its own so a slow
//! receiver never holds up a reload. Reports that arrive while a delivery is under way wait in
//! a queue that merges them into one (so it holds at most one entry per post, however slow
//! the receiver), and the delivery that carries them says which reloads it stands for. Its
//! payload is declared in the OpenAPI `webhooks`.

mod payload;
mod queue;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha2::Sha256;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::{GenerationRange, ReloadReport};
use crate::secret::Secret;
use queue::Queue;

pub use payload::{WebhookPayload, declare};

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Quire-Signature";

/// The header repeating the body's `deliveryId`, so a receiver can drop a duplicate unread.
pub const DELIVERY_HEADER: &str = "X-Quire-Delivery";

/// The header repeating the body's `timestamp`.
pub const TIMESTAMP_HEADER: &str = "X-Quire-Timestamp";

/// The name of the webhook in the OpenAPI document's `webhooks`.
pub const WEBHOOK_NAME: &str = "reload";

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

#[cfg(test)]
mod tests;
