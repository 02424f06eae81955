//! The webhook's payload as a receiver sees it: a delivery id that is the same on every retry
//! of one reload and new for the next, a timestamp of each attempt, both signed and repeated in
//! headers, and a body that matches what the OpenAPI `webhooks` entry declares.

use std::sync::mpsc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use quire::settings::ServeSettings;
use sha2::Sha256;

use crate::helpers::{
    Delivery, empty_content_dir, simple_post, spawn_app_with, webhook_receiver, write_file,
};

fn next(deliveries: &mpsc::Receiver<Delivery>) -> Delivery {
    deliveries
        .recv_timeout(Duration::from_secs(10))
        .expect("a delivery arrives")
}

fn hmac_hex(key: &[u8], body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn is_uuid_v4(id: &str) -> bool {
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12]
        && id
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && &id[14..15] == "4"
        && "89ab".contains(&id[19..20])
}

#[test]
fn a_retried_delivery_keeps_its_id_gets_a_new_timestamp_and_the_next_reload_a_new_id() {
    let dir = empty_content_dir();
    let (url, deliveries) = webhook_receiver(1);
    let mut settings = ServeSettings::for_content(dir.path());
    settings.webhook_url = Some(url);
    settings.webhook_secret = Some("hush".to_owned().into());
    let _app = spawn_app_with(settings);

    write_file(
        dir.path(),
        "hooked.md",
        simple_post("Hooked", "2025-01-01", "H."),
    );
    let refused = next(&deliveries);
    let retried = next(&deliveries);
    write_file(
        dir.path(),
        "second.md",
        simple_post("Second", "2025-01-02", "S."),
    );
    let later = next(&deliveries);

    let (first, second, third) = (refused.json(), retried.json(), later.json());
    let id = first["deliveryId"].as_str().expect("a deliveryId");
    assert!(is_uuid_v4(id), "{id}");
    assert_eq!(second["deliveryId"], id, "a retry repeats the id");
    assert_ne!(third["deliveryId"], id, "another reload has another id");
    assert_eq!(first["created"], serde_json::json!(["hooked"]));
    assert_eq!(
        second["created"],
        serde_json::json!(["hooked"]),
        "a retry repeats the report"
    );
    assert_eq!(third["created"], serde_json::json!(["second"]));
    let now = Timestamp::now();
    let mut sent = Vec::new();
    for (delivery, body) in [(&refused, &first), (&retried, &second), (&later, &third)] {
        let timestamp = body["timestamp"].as_str().expect("a timestamp");
        let at: Timestamp = timestamp.parse().expect("the timestamp is RFC 3339");
        assert!(
            now.duration_since(at).as_secs_f64().abs() < 60.0,
            "{timestamp} is when it was sent"
        );
        sent.push(at);
        assert_eq!(delivery.header("x-quire-delivery"), body["deliveryId"]);
        assert_eq!(delivery.header("x-quire-timestamp"), timestamp);
        assert_eq!(
            delivery.header("x-quire-signature"),
            format!("sha256={}", hmac_hex(b"hush", &delivery.body)),
            "the signature covers the id and timestamp"
        );
    }
    assert!(sent[1] > sent[0], "the retry is stamped anew: {sent:?}");
}

#[test]
fn the_webhook_body_has_exactly_the_members_the_spec_declares() {
    let dir = empty_content_dir();
    let (url, deliveries) = webhook_receiver(1);
    let mut settings = ServeSettings::for_content(dir.path());
    settings.webhook_url = Some(url);
    let _app = spawn_app_with(settings);
    let document = serde_json::to_value(quire::openapi::document()).expect("serializes");

    write_file(dir.path(), "a.md", simple_post("A", "2025-01-01", "A."));
    let _refused = next(&deliveries);
    let body = next(&deliveries).json();

    let webhook = &document["webhooks"]["reload"]["post"];
    assert_eq!(
        webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/WebhookPayload"
    );
    let schemas = &document["components"]["schemas"];
    let mut declared: Vec<String> = Vec::new();
    for part in schemas["WebhookPayload"]["allOf"]
        .as_array()
        .expect("allOf")
    {
        let part = match part["$ref"].as_str() {
            Some(reference) => &schemas[reference.trim_start_matches("#/components/schemas/")],
            None => part,
        };
        let required = part["required"].as_array().expect("required members");
        let properties = part["properties"].as_object().expect("properties");
        assert_eq!(
            required.len(),
            properties.len(),
            "every member is always sent"
        );
        declared.extend(properties.keys().cloned());
    }
    declared.sort();
    let mut sent: Vec<String> = body
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    sent.sort();
    assert_eq!(sent, declared);
}
