//! Searches run on a blocking pool, never on the threads that answer requests, so a long
//! search does not hold up other routes.

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use quire::search::SearchProbe;
use quire::settings::ServeSettings;

use crate::helpers::{app_builder, search_fixture, spawn_built};

/// Long enough for any request on a loaded machine; only a request that never comes back
/// (a deadlock) takes it, so this is no timing assertion.
const NEVER: Duration = Duration::from_secs(60);

#[test]
fn healthz_answers_while_a_search_is_held_and_the_search_ran_off_the_request_threads() {
    let entered = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let search_threads = Arc::new(Mutex::new(Vec::new()));
    let probe = {
        let (entered, release) = (Arc::clone(&entered), Arc::clone(&release));
        let search_threads = Arc::clone(&search_threads);
        SearchProbe(Arc::new(move || {
            // Requests are answered on the threads of actix's system; the blocking pool is outside it.
            let on_request_thread = actix_web::rt::System::try_current().is_some();
            let name = thread::current().name().unwrap_or_default().to_owned();
            search_threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((name, on_request_thread));
            entered.wait();
            release.wait();
        }))
    };
    let app =
        spawn_built(app_builder(ServeSettings::for_content(search_fixture())).probe_search(probe));

    let (search_status, healthz_status) = thread::scope(|scope| {
        let search = scope.spawn(|| app.get("/api/v1/search?q=walrus").status);
        entered.wait();
        // The search is now held inside the probe; ask for /healthz meanwhile.
        let (sender, receiver) = mpsc::channel();
        let app = &app;
        scope.spawn(move || {
            let _ = sender.send(app.get("/healthz").status);
        });
        let healthz = receiver.recv_timeout(NEVER);
        release.wait();
        (search.join().expect("the search request returns"), healthz)
    });

    assert_eq!(healthz_status, Ok(200), "/healthz waited for a held search");
    assert_eq!(search_status, 200);
    let search_threads = search_threads.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(search_threads.len(), 1, "{search_threads:?}");
    let (name, on_request_thread) = &search_threads[0];
    assert!(
        !on_request_thread,
        "the search ran on the request thread `{name}`"
    );
}
