//! Building the search index in the background and keeping it in step with hot reload and the
//! schedule: one thread builds the index of the posts published now from the served store while
//! posts are already being served, then, at each later reload and each post going live or
//! expiring, brings it to what the public can read at that moment.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::{SearchIndex, SearchSlot};
use crate::reload::{Reloader, StoreUpdate};
use crate::store::Store;

/// How often a failed update is retried as a rebuild, and the pause before the first retry
/// (doubled each time). Tantivy starts threads on each commit, which can fail for a moment
/// when the machine runs out of them.
const RETRIES: u32 = 4;
const FIRST_RETRY: Duration = Duration::from_millis(250);

/// Starts the `quire-search` thread: it builds the index of the store being served into `slot`,
/// then follows every later reload and go-live or expiry (see [`Reloader::subscribe`]).
/// Searches are refused until the slot is filled; after that they keep using the previous
/// index state until an update is committed, and map hits through the newest store.
///
/// With `dir`, the index is kept in that folder between runs and only what changed since the
/// last run is indexed at start; if the folder cannot be used, the index is built in memory.
/// `hold`, when given, keeps the build from starting until the other party also waits on the
/// barrier; tests use it to see search while the index is being built.
pub fn build_and_follow(
    slot: Arc<SearchSlot>,
    reloader: &Arc<Reloader>,
    dir: Option<PathBuf>,
    hold: Option<Arc<Barrier>>,
) -> std::io::Result<()> {
    // Subscribed before the build reads the store and the clock, so no reload, go-live or
    // expiry can fall between the two.
    let reports = reloader.subscribe();
    let reloader = Arc::clone(reloader);
    thread::Builder::new()
        .name("quire-search".to_owned())
        .spawn(move || {
            if let Some(hold) = hold {
                hold.wait();
            }
            build_then_follow(&slot, &reloader, dir.as_deref(), reports);
        })
        .map(|_| ())
}

fn build_then_follow(
    slot: &SearchSlot,
    reloader: &Reloader,
    dir: Option<&Path>,
    mut reports: Receiver<Arc<StoreUpdate>>,
) {
    build_into(slot, &reloader.store(), reloader.now(), dir);
    loop {
        // Reloads and the schedule (posts going live or expiring) both arrive here; each is
        // only a sign to catch up with the store served now, so none is applied twice, and
        // reports missed (`Lagged`) need nothing more than the next catch-up.
        if let Err(RecvError::Closed) = reports.blocking_recv() {
            return;
        }
        // Reports that came meanwhile are covered by the catch-up below.
        while !matches!(
            reports.try_recv(),
            Err(TryRecvError::Empty | TryRecvError::Closed)
        ) {}
        let store = reloader.store();
        let now = reloader.now();
        let Some(index) = slot.index() else {
            // The build failed: try again from the store this reload swapped in.
            build_into(slot, &store, now, dir);
            continue;
        };
        if let Err(err) = index.catch_up(&store, now) {
            log::error!("search: the index could not follow a reload: {err}; re-indexing");
            rebuild_with_retries(index, reloader);
        }
    }
}

/// Builds the index of the posts of `store` published at `now` into `slot` (brings the one
/// kept in `dir` up to date), logging how long it took; when building fails the slot says so.
fn build_into(slot: &SearchSlot, store: &Store, now: Timestamp, dir: Option<&Path>) {
    slot.set_failed(false);
    let started = Instant::now();
    // Searchable first, merged into one segment after: the merge is a fifth of a big build.
    let built = match dir {
        None => SearchIndex::build_searchable(store, now),
        Some(dir) => SearchIndex::open_searchable(store, dir, now).or_else(|err| {
            log::error!(
                "cannot keep the search index in {}: {err}; indexing in memory instead",
                dir.display()
            );
            SearchIndex::build_searchable(store, now)
        }),
    };
    match built {
        Ok(index) => {
            let elapsed = started.elapsed();
            slot.fill(index);
            // Logged once searches are answered from it: a reader of the log may search at once.
            log::info!(
                "search index of {} published posts (others are not indexed) ready in {} ms",
                store
                    .all_posts()
                    .iter()
                    .filter(|post| post.is_published(now))
                    .count(),
                elapsed.as_millis()
            );
            if let Some(index) = slot.index() {
                let merging = Instant::now();
                let segments = index.segments();
                match index.compact(store, now) {
                    Ok(()) if segments > 1 => log::info!(
                        "search index merged from {segments} segments into one in {} ms",
                        merging.elapsed().as_millis()
                    ),
                    Ok(()) => {}
                    // Still correct, only slower to search; the next reload's merges help.
                    Err(err) => log::error!("search: merging the index failed: {err}"),
                }
            }
        }
        Err(err) => {
            log::error!("cannot build the {err}; search answers 503 until a reload rebuilds it");
            slot.set_failed(true);
        }
    }
}

/// Re-indexes the current store, retrying with growing pauses; if every attempt fails (logged)
/// the index stays behind until the next reload or go-live.
fn rebuild_with_retries(index: &SearchIndex, reloader: &Reloader) {
    let mut pause = FIRST_RETRY;
    for attempt in 1..=RETRIES {
        thread::sleep(pause);
        pause *= 2;
        match index.rebuild(&reloader.store(), reloader.now()) {
            Ok(()) => return,
            Err(err) => {
                log::error!("search: re-indexing failed (attempt {attempt} of {RETRIES}): {err}")
            }
        }
    }
}
