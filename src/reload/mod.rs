//! Hot reload: watch the content folder, re-parse only the files that changed, build a new
//! store and swap it in whole, then tell subscribers what changed: every post to an index that
//! follows the content, and only what the public can read to the SSE stream and the webhook,
//! which also hear when a scheduled post goes live or a post expires. Requests never wait on
//! any of it: they load the current store from an `ArcSwap`, which takes no lock.

mod changes;
mod follow;
mod library;
mod report;
mod watch;
pub mod webhook;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use arc_swap::{ArcSwap, ArcSwapOption};
use jiff::Timestamp;
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::store::{Change, Store};
use changes::Changes;

pub use follow::{ReloadOptions, announce_schedule, begin_watching, follow_changes};
pub use library::{Library, Refresh};
pub use report::{GenerationRange, ReloadReport, ReloadStats, StoreUpdate};
pub use watch::{
    CHECK_INTERVAL, DEBOUNCE, EarlyWatch, POLL_INTERVAL, WatchError, WatchStatus, Watching, watch,
    watch_early,
};

/// How many reports a slow subscriber may fall behind before it misses some.
const REPORT_BUFFER: usize = 64;

/// Owns the library of content files and turns changes into new stores; shared by the watcher
/// thread, the handlers (for stats and subscriptions) and anything that follows reloads.
pub struct Reloader {
    /// Only the reload thread (or a test) takes this lock, never a request.
    library: Mutex<Library>,
    store: Arc<ArcSwap<Store>>,
    clock: Arc<dyn Clock>,
    /// Every new store and what it changed, for the indexes that follow the content.
    updates: broadcast::Sender<Arc<StoreUpdate>>,
    /// Public changes only, for the SSE stream and the webhook.
    announcements: broadcast::Sender<Arc<ReloadReport>>,
    /// The instant the public was last told about: what was visible then is what it knows.
    /// Reloads and the schedule take this lock in turn (never a request), so each change is
    /// announced once.
    told: Mutex<Timestamp>,
    /// Wakes the schedule when a reload may have brought the next go-live or expiry nearer.
    wake: Condvar,
    last: ArcSwapOption<ReloadStats>,
    /// Whether the watcher thread follows the folder; read by `/readyz` without a lock.
    watch_status: watch::SharedStatus,
}

impl fmt::Debug for Reloader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reloader")
            .field("generation", &self.store.load().generation())
            .field("subscribers", &self.updates.receiver_count())
            .finish_non_exhaustive()
    }
}

impl Reloader {
    /// A reloader over `library`, whose current store is `store`.
    pub fn new(library: Library, store: Arc<ArcSwap<Store>>, clock: Arc<dyn Clock>) -> Reloader {
        let (updates, _) = broadcast::channel(REPORT_BUFFER);
        let (announcements, _) = broadcast::channel(REPORT_BUFFER);
        let told = Mutex::new(clock.now());
        Reloader {
            library: Mutex::new(library),
            store,
            clock,
            updates,
            announcements,
            told,
            wake: Condvar::new(),
            last: ArcSwapOption::empty(),
            watch_status: watch::SharedStatus::default(),
        }
    }

    /// A receiver of every later reload that changed a post, drafts and scheduled posts
    /// included: the update names the slugs and carries the new store. It also hears when
    /// time alone changed what the public can read (a post went live or expired, named as on
    /// [`Reloader::announcements`]): that update carries the store being served, unchanged.
    /// For indexes that follow the content, never for the public. A receiver that falls far
    /// behind gets `Lagged` and goes on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoreUpdate>> {
        self.updates.subscribe()
    }

    /// A receiver of what the public can see change: posts that became readable (`created`:
    /// new, published, or gone live on schedule), changed while readable (`updated`), or
    /// stopped being readable (`deleted`: removed, made a draft, or expired). A reload that
    /// touches only hidden posts sends nothing; a scheduled post going live sends a report
    /// when it happens (with [`announce_schedule`] running). `generation` is the store's
    /// public generation.
    pub fn announcements(&self) -> broadcast::Receiver<Arc<ReloadReport>> {
        self.announcements.subscribe()
    }

    /// The instant that decides what is published, by the reloader's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn lock_told(&self) -> MutexGuard<'_, Timestamp> {
        self.told.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Announces the posts that went live or expired since the public was last told, and
    /// says how long to wait before looking again: until the next go-live or expiry, as the
    /// clock tells it.
    fn announce_due(&self, told: &mut Timestamp) -> Duration {
        let store = self.store.load_full();
        let now = self.clock.now();
        if store.visibility_epoch(*told) != store.visibility_epoch(now) {
            let changes = Changes::public(&store, *told, &store, now);
            *told = now;
            if self.announce(&changes, now, &store) {
                self.hand_over(Arc::clone(&store), changes);
            }
        }
        let next = store.next_change_after(now);
        self.clock.real_wait_until(next)
    }

    /// Sends a public report, unless nothing public changed; says whether it sent one.
    fn announce(&self, changes: &Changes, now: Timestamp, store: &Store) -> bool {
        if changes.is_empty() {
            return false;
        }
        log::info!(
            "announcing to the public: {} created, {} updated, {} deleted",
            changes.created.len(),
            changes.updated.len(),
            changes.deleted.len()
        );
        let report = Arc::new(ReloadReport {
            generation: store.public_generation(),
            created: changes.created.clone(),
            updated: changes.updated.clone(),
            deleted: changes.deleted.clone(),
            at: now.to_string(),
        });
        // Sending fails only when nobody listens, which is fine.
        let _ = self.announcements.send(report);
        true
    }

    /// Tells the indexes that follow the content to catch up with `store`, which `changes`
    /// made; returns what they were sent.
    fn hand_over(&self, store: Arc<Store>, changes: Changes) -> Arc<StoreUpdate> {
        let update = Arc::new(StoreUpdate {
            store,
            created: changes.created,
            updated: changes.updated,
            deleted: changes.deleted,
        });
        // Sending fails only when nobody listens, which is fine.
        let _ = self.updates.send(Arc::clone(&update));
        update
    }

    /// Swaps in `amend` of the store being served, when it gives one: the same posts with
    /// something added that changes no post, such as placeholders made since. The public is
    /// told nothing, since no post changed; the indexes that follow the content are handed
    /// the new store with no post named, so they map their hits to it (search compares its
    /// version with the served store's). A reload cannot fall in between, so neither loses
    /// the other's store.
    pub fn amend_store(&self, amend: impl FnOnce(&Store) -> Option<Store>) {
        let library = self.library.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(amended) = amend(&self.store.load()) else {
            return;
        };
        let amended = Arc::new(amended);
        self.store.store(Arc::clone(&amended));
        drop(library);
        self.hand_over(amended, Changes::default());
    }

    /// The store being served.
    pub fn store(&self) -> Arc<Store> {
        self.store.load_full()
    }

    /// Whether changes to the content folder are followed now: `Off` unless [`watch()`] runs.
    pub fn watch_status(&self) -> WatchStatus {
        self.watch_status.get()
    }

    /// The latest reload's numbers, or `None` before the first reload.
    pub fn last_reload(&self) -> Option<Arc<ReloadStats>> {
        self.last.load_full()
    }

    /// Re-reads every file of a content folder that was replaced (moved into place, or
    /// deleted and made again), as a fresh start would, and swaps in what changed.
    pub fn reload_replaced(&self) -> Option<Arc<StoreUpdate>> {
        self.library
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .verify_all();
        self.reload(&[PathBuf::new()])
    }

    /// Brings the store up to date with the folder: re-parses new, changed and `touched` files
    /// (absolute or root-relative paths the watcher reported), and if anything changed swaps in
    /// a new store one generation on and logs it. Returns the update when posts changed (it is
    /// also sent to subscribers).
    pub fn reload(&self, touched: &[PathBuf]) -> Option<Arc<StoreUpdate>> {
        let started = Instant::now();
        let mut library = self.library.lock().unwrap_or_else(PoisonError::into_inner);
        let touched = relative_paths(library.root(), touched);
        // Edits to named post files re-read just those; anything else lists the folder again.
        let refresh = match library
            .refresh_named(&touched)
            .map_or_else(|| library.refresh(&touched), Ok)
        {
            Ok(refresh) => refresh,
            Err(err) => {
                log::warn!(
                    "reload: cannot list {}: {err}; still serving the content loaded before",
                    library.root().display()
                );
                return None;
            }
        };
        if !refresh.changed() {
            return None;
        }
        let read = started.elapsed();
        let old = self.store.load_full();
        let now = self.clock.now();
        // A saved post slots into the old store's indexes; anything else rebuilds them.
        let listing = || library.finish();
        let change = match refresh.edits.as_deref() {
            Some(edits) => Change::Saved {
                edits,
                listing: &listing,
            },
            None => Change::Listing(library.finish()),
        };
        let store = Arc::new(old.next(change, now));
        let generation = store.generation();
        let public_change = store.public_generation() != old.public_generation();
        let mut told = self.lock_told();
        // The stats go first, so whoever sees the new store also sees how it was made.
        let took = started.elapsed();
        if public_change {
            self.last.store(Some(Arc::new(ReloadStats {
                files_parsed: refresh.parsed,
                took,
            })));
        }
        self.store.store(Arc::clone(&store));
        // Held until the swap, so a store amended meanwhile (see `amend_store`) is the one
        // this reload built on, not one it replaces.
        drop(library);
        let public = Changes::public(&old, *told, &store, now);
        *told = now;
        let announced = self.announce(&public, now, &store);
        drop(told);
        self.wake.notify_all();
        // Telling what changed happens after the swap, so it never delays the new content.
        let changes = Changes::between(&old, &store);
        log::debug!(
            "reload {generation}: reading files {:.1} ms, building the store {:.1} ms",
            read.as_secs_f64() * 1000.0,
            (took - read).as_secs_f64() * 1000.0,
        );
        log::info!(
            "reload {generation}: {} created, {} updated, {} deleted; {} files parsed, {} gone, {} problems, in {:.1} ms",
            changes.created.len(),
            changes.updated.len(),
            changes.deleted.len(),
            refresh.parsed,
            refresh.removed,
            store.problems().len(),
            took.as_secs_f64() * 1000.0,
        );
        if changes.is_empty() {
            // No post was re-read, yet posts may have gone live or expired since the public
            // was last told: the indexes hear that from no one else.
            if announced {
                self.hand_over(store, public);
            }
            return None;
        }
        Some(self.hand_over(store, changes))
    }
}

/// Watcher paths as root-relative `/`-separated paths; paths outside the root are dropped.
fn relative_paths(root: &Path, paths: &[PathBuf]) -> HashSet<String> {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    paths
        .iter()
        .filter_map(|path| {
            let relative = path
                .strip_prefix(&canonical_root)
                .or_else(|_| path.strip_prefix(root))
                .unwrap_or(path);
            if relative.is_absolute() {
                return None;
            }
            let parts: Option<Vec<&str>> = relative.iter().map(|part| part.to_str()).collect();
            parts.map(|parts| parts.join("/"))
        })
        .collect()
}

#[cfg(test)]
mod tests;
