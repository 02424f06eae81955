//! Building the search index in the background and keeping it in step with hot reload: one
//! thread builds the index from the served store while posts are already being served, then
//! applies each later reload report's created, updated and deleted slugs, and rebuilds the
//! index if reports were missed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::{SearchIndex, SearchSlot};
use crate::reload::{ReloadReport, Reloader};
use crate::store::Store;

/// How often a failed update is retried as a rebuild, and the pause before the first retry
/// (doubled each time). Tantivy starts threads on each commit, which can fail for a moment
/// when the machine runs out of them.
const RETRIES: u32 = 4;
const FIRST_RETRY: Duration = Duration::from_millis(250);

/// Starts the `quire-search` thread: it builds the index of the store being served into `slot`,
/// then applies every later reload to it. Searches are refused until the slot is filled; after
/// that they keep using the previous index state until an update is committed, and map hits
/// through the newest store.
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
    // Subscribed before the build reads the store, so no reload can fall between the two.
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
    mut reports: Receiver<Arc<ReloadReport>>,
) {
    // The store generation the index holds; reports up to it are already in the index.
    let mut indexed = build_into(slot, &reloader.store(), dir);
    loop {
        let next = reports.blocking_recv();
        if let Err(RecvError::Closed) = next {
            return;
        }
        let Some(index) = slot.index() else {
            // The build failed: try again from the store this reload swapped in.
            indexed = build_into(slot, &reloader.store(), dir);
            continue;
        };
        let result = match next {
            Ok(report) if report.generation <= indexed => continue,
            Ok(report) => {
                let upserted: Vec<String> = report
                    .created
                    .iter()
                    .chain(&report.updated)
                    .cloned()
                    .collect();
                indexed = report.generation;
                index.apply(&report.store, &upserted, &report.deleted)
            }
            Err(RecvError::Lagged(missed)) => {
                log::warn!("search: {missed} reloads were missed; re-indexing everything");
                let store = reloader.store();
                indexed = store.generation();
                index.rebuild(&store)
            }
            Err(RecvError::Closed) => return,
        };
        if let Err(err) = result {
            log::error!("search: the index could not follow a reload: {err}; re-indexing");
            if let Some(generation) = rebuild_with_retries(index, reloader) {
                indexed = generation;
            }
        }
    }
}

/// Builds the index of `store` into `slot` (brings the one kept in `dir` up to date), logging
/// how long it took; returns the generation indexed, or 0 (no store has it) when building
/// failed and the slot says so.
fn build_into(slot: &SearchSlot, store: &Store, dir: Option<&Path>) -> u64 {
    slot.set_failed(false);
    let started = Instant::now();
    // Searchable first, merged into one segment after: the merge is a fifth of a big build.
    let built = match dir {
        None => SearchIndex::build_searchable(store),
        Some(dir) => SearchIndex::open_searchable(store, dir).or_else(|err| {
            log::error!(
                "cannot keep the search index in {}: {err}; indexing in memory instead",
                dir.display()
            );
            SearchIndex::build_searchable(store)
        }),
    };
    match built {
        Ok(index) => {
            log::info!(
                "search index of {} posts (drafts are not indexed) ready in {} ms",
                store.all_posts().iter().filter(|post| !post.draft).count(),
                started.elapsed().as_millis()
            );
            slot.fill(index);
            if let Some(index) = slot.index() {
                let merging = Instant::now();
                let segments = index.segments();
                match index.compact(store) {
                    Ok(()) if segments > 1 => log::info!(
                        "search index merged from {segments} segments into one in {} ms",
                        merging.elapsed().as_millis()
                    ),
                    Ok(()) => {}
                    // Still correct, only slower to search; the next reload's merges help.
                    Err(err) => log::error!("search: merging the index failed: {err}"),
                }
            }
            store.generation()
        }
        Err(err) => {
            log::error!("cannot build the {err}; search answers 503 until a reload rebuilds it");
            slot.set_failed(true);
            0
        }
    }
}

/// Re-indexes the current store, retrying with growing pauses; returns the generation indexed,
/// or `None` (logged) if every attempt failed and the index stays behind until the next reload.
fn rebuild_with_retries(index: &SearchIndex, reloader: &Reloader) -> Option<u64> {
    let mut pause = FIRST_RETRY;
    for attempt in 1..=RETRIES {
        thread::sleep(pause);
        pause *= 2;
        let store = reloader.store();
        match index.rebuild(&store) {
            Ok(()) => return Some(store.generation()),
            Err(err) => {
                log::error!("search: re-indexing failed (attempt {attempt} of {RETRIES}): {err}")
            }
        }
    }
    None
}
