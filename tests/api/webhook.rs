//! The webhook's payload as a receiver sees it: a delivery id that is the same on every retry
//! of one reload and new for the next, a timestamp of each attempt, both signed and repeated in
//! headers, and a body that matches what the OpenAPI `webhooks` entry declares.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use quire::settings::ServeSettings;
use serde_json::Value;
use sha2::Sha256;

use crate::helpers::{content_length, empty_content_dir, simple_post, spawn_app_with, write_file};

/// One request the receiver got: its headers (names in lowercase) and body.
struct Delivery {
    headers: BTreeMap<String, String>,
    body: String,
}

impl Delivery {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("the delivery has `{name}`: {:?}", self.headers))
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

/// A receiver on a free local port that answers 500 to its first request and 200 after, and
/// hands every request, the failed one included, to the test.
fn receiver() -> (String, mpsc::Receiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port can be bound");
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (sender, deliveries) = mpsc::channel();
    thread::spawn(move || {
        for (index, connection) in listener.incoming().take(6).enumerate() {
            let Ok(mut connection) = connection else {
                continue;
            };
            let mut raw = Vec::new();
            let mut buffer = [0u8; 4096];
            let (head, body) = loop {
                let n = connection.read(&mut buffer).unwrap_or(0);
                if n == 0 {
                    break (String::new(), String::new());
                }
                raw.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&raw).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n")
                    && body.len() >= content_length(head)
                {
                    break (head.to_owned(), body.to_owned());
                }
            };
            let status = if index == 0 {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = write!(
                connection,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
                })
                .collect();
            if sender.send(Delivery { headers, body }).is_err() {
                break;
            }
        }
    });
    (url, deliveries)
}

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
    let (url, deliveries) = receiver();
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
    let (url, deliveries) = receiver();
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
