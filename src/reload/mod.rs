//! Hot reload: watch the content folder, re-parse only the files that changed, build a new
//! store and swap it in whole, then tell subscribers what changed: every post to an index that
//! follows the content, and only what the public can read to the SSE stream and the webhook,
//! which also hear when a scheduled post goes live or a post expires. Requests never wait on
//! any of it: they load the current store from an `ArcSwap`, which takes no lock.

mod library;
mod watch;
pub mod webhook;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use arc_swap::{ArcSwap, ArcSwapOption};
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::clock::Clock;
use crate::content;
use crate::domain::Post;
use crate::settings::ServeSettings;
use crate::store::{Change, Store};

pub use library::{Library, Refresh};
pub use watch::{
    CHECK_INTERVAL, DEBOUNCE, POLL_INTERVAL, WatchError, WatchStatus, Watching, watch,
};

/// How many reports a slow subscriber may fall behind before it misses some.
const REPORT_BUFFER: usize = 64;

/// What one reload changed. Sent whole to subscribers that index the content; the SSE stream
/// and the webhook get one that names only posts the public can read (see
/// [`Reloader::announcements`]). `store` is the store being served, for subscribers that
/// index it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(
    description = "What one reload changed that the public can read, as sent on `/api/v1/events` and to the webhook: posts that became readable (`created`), changed while readable (`updated`) or stopped being readable (`deleted`). A reload that touches only drafts, scheduled or expired posts is not announced.",
    example = json!({
    "generation": 8,
    "created": ["new-post"],
    "updated": ["edited-post"],
    "deleted": [],
    "at": "2026-01-01T00:00:00Z"
}))]
pub struct ReloadReport {
    /// The content generation; it starts again at 1 when Quire restarts. In the events and the
    /// webhook it moves only when published content changes.
    pub generation: u64,
    /// Slugs of posts that appeared.
    pub created: Vec<String>,
    /// Slugs of posts whose file was re-read (edited, renamed or fixed).
    pub updated: Vec<String>,
    /// Slugs of posts that are gone.
    pub deleted: Vec<String>,
    /// When the reload happened, RFC 3339.
    #[schema(format = DateTime)]
    pub at: String,
    /// The store this reload swapped in.
    #[serde(skip)]
    pub store: Arc<Store>,
}

impl ReloadReport {
    /// The report as the JSON object subscribers receive.
    pub fn to_json(&self) -> String {
        // A struct of strings and numbers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// How long the latest reload took, for `/api/v1/meta`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReloadStats {
    /// Files read and parsed.
    pub files_parsed: usize,
    /// From the first file listed to the new store being served.
    pub took: Duration,
}

/// Owns the library of content files and turns changes into new stores; shared by the watcher
/// thread, the handlers (for stats and subscriptions) and anything that follows reloads.
pub struct Reloader {
    /// Only the reload thread (or a test) takes this lock, never a request.
    library: Mutex<Library>,
    store: Arc<ArcSwap<Store>>,
    clock: Arc<dyn Clock>,
    reports: broadcast::Sender<Arc<ReloadReport>>,
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
            .field("subscribers", &self.reports.receiver_count())
            .finish_non_exhaustive()
    }
}

impl Reloader {
    /// A reloader over `library`, whose current store is `store`.
    pub fn new(library: Library, store: Arc<ArcSwap<Store>>, clock: Arc<dyn Clock>) -> Reloader {
        let (reports, _) = broadcast::channel(REPORT_BUFFER);
        let (announcements, _) = broadcast::channel(REPORT_BUFFER);
        let told = Mutex::new(clock.now());
        Reloader {
            library: Mutex::new(library),
            store,
            clock,
            reports,
            announcements,
            told,
            wake: Condvar::new(),
            last: ArcSwapOption::empty(),
            watch_status: watch::SharedStatus::default(),
        }
    }

    /// A receiver of every later reload that changed a post, drafts and scheduled posts
    /// included: its report names the slugs and carries the new store. It also hears when
    /// time alone changed what the public can read (a post went live or expired, announced
    /// as on [`Reloader::announcements`]): that report carries the store being served and its
    /// generation, unchanged. For indexes that follow the content, never for the public. A
    /// receiver that falls far behind gets `Lagged` and goes on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ReloadReport>> {
        self.reports.subscribe()
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
            if let Some(public) = self.announce(changes, now, &store) {
                self.tell_indexes_of_schedule(&public, &store);
            }
        }
        let next = store.next_change_after(now);
        self.clock.real_wait_until(next)
    }

    /// Sends a public report, unless nothing public changed; returns it.
    fn announce(
        &self,
        changes: Changes,
        now: Timestamp,
        store: &Arc<Store>,
    ) -> Option<Arc<ReloadReport>> {
        if changes.is_empty() {
            return None;
        }
        log::info!(
            "announcing to the public: {} created, {} updated, {} deleted",
            changes.created.len(),
            changes.updated.len(),
            changes.deleted.len()
        );
        let report = Arc::new(ReloadReport {
            generation: store.public_generation(),
            created: changes.created,
            updated: changes.updated,
            deleted: changes.deleted,
            at: now.to_string(),
            store: Arc::clone(store),
        });
        // Sending fails only when nobody listens, which is fine.
        let _ = self.announcements.send(Arc::clone(&report));
        Some(report)
    }

    /// Tells the indexes that follow the content what the public was just told, when no reload
    /// report will: posts went live or expired while `store` stayed the same.
    fn tell_indexes_of_schedule(&self, public: &ReloadReport, store: &Arc<Store>) {
        let report = Arc::new(ReloadReport {
            generation: store.generation(),
            store: Arc::clone(store),
            ..public.clone()
        });
        // Sending fails only when nobody listens, which is fine.
        let _ = self.reports.send(report);
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
    pub fn reload_replaced(&self) -> Option<Arc<ReloadReport>> {
        self.library
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .verify_all();
        self.reload(&[PathBuf::new()])
    }

    /// Brings the store up to date with the folder: re-parses new, changed and `touched` files
    /// (absolute or root-relative paths the watcher reported), and if anything changed swaps in
    /// a new store one generation on and logs it. Returns the report when posts changed (it is
    /// also sent to subscribers).
    pub fn reload(&self, touched: &[PathBuf]) -> Option<Arc<ReloadReport>> {
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
        let listing = || content::finish(library.parsed());
        let change = match refresh.edits.as_deref() {
            Some(edits) => Change::Saved {
                edits,
                listing: &listing,
            },
            None => Change::Listing(content::finish(library.parsed())),
        };
        let store = Arc::new(old.next(change, now));
        drop(library);
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
        let announced = Changes::public(&old, *told, &store, now);
        *told = now;
        let announced = self.announce(announced, now, &store);
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
            if let Some(public) = announced {
                self.tell_indexes_of_schedule(&public, &store);
            }
            return None;
        }
        let report = Arc::new(ReloadReport {
            generation,
            created: changes.created,
            updated: changes.updated,
            deleted: changes.deleted,
            at: now.to_string(),
            store,
        });
        // Sending fails only when nobody listens, which is fine.
        let _ = self.reports.send(Arc::clone(&report));
        Some(report)
    }
}

/// Starts what `settings` asks for: announcing scheduled posts as they go live or expire,
/// watching the content folder (unless `--no-watch`) and delivering public reports to the
/// webhook (with `--webhook-url`). A failure to start any of them is logged and Quire goes on
/// serving the content it loaded. The folder is watched while the returned [`Watching`] lives.
pub fn follow_changes(reloader: &Arc<Reloader>, settings: &ServeSettings) -> Option<Watching> {
    if let Some(url) = &settings.webhook_url {
        let webhook = webhook::Webhook {
            url: url.clone(),
            secret: settings.webhook_secret.clone(),
        };
        if let Err(err) = webhook::spawn(webhook, reloader.announcements()) {
            log::error!("cannot start the webhook thread: {err}; reloads will not be sent");
        }
    }
    if let Err(err) = announce_schedule(reloader) {
        log::error!(
            "cannot start the schedule thread: {err}; posts going live or expiring will not be announced"
        );
    }
    if settings.no_watch {
        log::info!("not watching {} (--no-watch)", settings.content.display());
        return None;
    }
    watch(Arc::clone(reloader), &settings.content)
        .map_err(|err| log::error!("{err}; changes to the content will not show until a restart"))
        .ok()
}

/// Announces posts going live and expiring, each when it happens, on a thread of its own that
/// sleeps until the next such instant the store knows (or a reload, which may bring it
/// nearer). The thread ends when the reloader is dropped.
pub fn announce_schedule(reloader: &Arc<Reloader>) -> std::io::Result<()> {
    let reloader: Weak<Reloader> = Arc::downgrade(reloader);
    std::thread::Builder::new()
        .name("quire-schedule".to_owned())
        .spawn(move || {
            while let Some(reloader) = reloader.upgrade() {
                let mut told = reloader.lock_told();
                let wait = reloader.announce_due(&mut told);
                // Waiting releases the lock, so a reload can go ahead and wake this early.
                let _ = reloader
                    .wake
                    .wait_timeout(told, wait)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        })?;
    Ok(())
}

/// The slugs created, updated and deleted between two stores.
#[derive(Debug, Default, PartialEq, Eq)]
struct Changes {
    created: Vec<String>,
    updated: Vec<String>,
    deleted: Vec<String>,
}

impl Changes {
    /// Compares by slug; a post is updated when the new store holds a different parse of it
    /// (unchanged files share the very same `Arc<Post>`).
    fn between(old: &Store, new: &Store) -> Changes {
        let index = |store: &Store| -> HashMap<String, Arc<Post>> {
            store
                .all_posts()
                .iter()
                .map(|post| (post.slug.to_string(), Arc::clone(post)))
                .collect()
        };
        let before = index(old);
        let after = index(new);
        let mut changes = Changes::default();
        for (slug, post) in &after {
            match before.get(slug) {
                None => changes.created.push(slug.clone()),
                Some(previous) if !Arc::ptr_eq(previous, post) => {
                    changes.updated.push(slug.clone())
                }
                Some(_) => {}
            }
        }
        changes.deleted = before
            .keys()
            .filter(|slug| !after.contains_key(*slug))
            .cloned()
            .collect();
        changes.created.sort();
        changes.updated.sort();
        changes.deleted.sort();
        changes
    }

    /// What the public saw change from `old` at `then` to `new` at `now`: a post published
    /// only on one side is created or deleted, and one published on both sides is updated
    /// when its file was read again. Drafts, scheduled and expired posts are never named.
    fn public(old: &Store, then: Timestamp, new: &Store, now: Timestamp) -> Changes {
        let visible = |store: &Store, slug: &str, at: Timestamp| {
            store
                .post_by_slug(slug)
                .filter(|post| post.is_published(at))
                .cloned()
        };
        let mut changes = Changes::default();
        for post in new.all_posts().iter().filter(|post| post.is_published(now)) {
            match visible(old, post.slug.as_str(), then) {
                None => changes.created.push(post.slug.to_string()),
                Some(previous) if !Arc::ptr_eq(&previous, post) => {
                    changes.updated.push(post.slug.to_string())
                }
                Some(_) => {}
            }
        }
        for post in old
            .all_posts()
            .iter()
            .filter(|post| post.is_published(then))
        {
            if visible(new, post.slug.as_str(), now).is_none() {
                changes.deleted.push(post.slug.to_string());
            }
        }
        changes.created.sort();
        changes.updated.sort();
        changes.deleted.sort();
        changes
    }

    fn is_empty(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
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
