//! Unit tests of `reload::webhook`.

use super::*;

fn report(generation: u64, created: &[&str], updated: &[&str], deleted: &[&str]) -> ReloadReport {
    let names = |slugs: &[&str]| slugs.iter().map(|slug| (*slug).to_owned()).collect();
    ReloadReport {
        generation,
        created: names(created),
        updated: names(updated),
        deleted: names(deleted),
        at: format!("2026-01-01T00:00:0{generation}Z"),
    }
}

#[test]
fn one_report_is_delivered_as_it_is() {
    let queue = Queue::default();
    queue.push(&report(3, &["a"], &["b"], &["c"]));

    let payload = queue.take().expect("a delivery").into_delivery();

    assert_eq!(
        (
            &payload.report.created,
            &payload.report.updated,
            &payload.report.deleted
        ),
        (
            &vec!["a".to_owned()],
            &vec!["b".to_owned()],
            &vec!["c".to_owned()]
        )
    );
    assert_eq!(
        (payload.report.generation, payload.coalesced, payload.missed),
        (3, None, None)
    );
}

#[test]
fn reports_waiting_for_a_slow_receiver_merge_into_their_net_effect() {
    let queue = Queue::default();
    for waiting in [
        report(2, &["new", "brief"], &["kept"], &["gone"]),
        report(3, &[], &["new"], &["brief"]),
        report(4, &["gone"], &[], &["kept"]),
    ] {
        queue.push(&waiting);
    }

    let payload = queue.take().expect("a delivery").into_delivery();

    // `new` was created, then edited: created. `brief` was created and deleted: deleted,
    // since the receiver may have read it meanwhile. `gone` came back: updated.
    assert_eq!(payload.report.created, ["new"]);
    assert_eq!(payload.report.updated, ["gone"]);
    assert_eq!(payload.report.deleted, ["brief", "kept"]);
    assert_eq!(payload.report.generation, 4);
    assert_eq!(payload.report.at, "2026-01-01T00:00:04Z");
    assert_eq!(payload.coalesced, Some(GenerationRange { from: 2, to: 4 }));
    assert_eq!(payload.missed, None);
}

#[test]
fn reports_dropped_by_the_channel_are_named_in_the_next_delivery() {
    let queue = Queue::default();
    queue.push(&report(2, &["a"], &[], &[]));
    let _sent = queue.take();
    queue.note_dropped(5);
    queue.push(&report(8, &["h"], &[], &[]));

    let payload = queue.take().expect("a delivery").into_delivery();

    assert_eq!(payload.missed, Some(GenerationRange { from: 3, to: 8 }));
    assert_eq!(payload.coalesced, None);
}

#[test]
fn a_closed_queue_still_hands_over_what_waits_then_ends() {
    let queue = Queue::default();
    queue.push(&report(2, &["a"], &[], &[]));
    queue.close();

    assert!(queue.take().is_some());
    assert!(queue.take().is_none());
}

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
