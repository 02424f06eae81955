//! The outbound webhook: after each reload, POST the report to a URL, signed with
//! HMAC-SHA256, retrying with backoff on a thread of its own so a slow receiver never holds
//! up a reload.

use std::thread;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::ReloadReport;
use crate::settings::Secret;
use std::sync::Arc;

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Quire-Signature";

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
    let body = report.to_json();
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let mut request = agent
            .post(&webhook.url)
            .header("Content-Type", "application/json");
        if let Some(secret) = &webhook.secret {
            request = request.header(
                SIGNATURE_HEADER,
                signature(secret.expose(), body.as_bytes()),
            );
        }
        match request.send(body.as_bytes()) {
            Ok(_) => {
                log::info!(
                    "webhook: sent reload {} to {}",
                    report.generation,
                    webhook.url
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
