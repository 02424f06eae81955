//! The `quire-placeholders` thread: after start-up it makes the placeholder of every image of
//! the served store that has none, from the cache first and then by decoding on every core,
//! publishing them in batches while posts are served; then, whenever a reload brings new or
//! replaced images (a new hash), it does the same for them.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use xxhash_rust::xxh3::xxh3_64;

use super::{PlaceholderCache, PlaceholderError, make_placeholder};
use crate::domain::{MediaFile, Placeholder, Placeholders};
use crate::reload::Reloader;
use crate::store::Store;

/// The most often a batch of new placeholders is published: each swaps in a store, which
/// makes every cached response again.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);

/// The media types decoded; SVG and AVIF are not (see [`PlaceholderError::NotDecoded`]).
const DECODED: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// Image files larger than this are not read: no photo for the web needs more.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How often the served store is looked at for images without a placeholder. Looked at, not
/// heard of: a reload that changes only media files tells subscribers nothing, as no post
/// changed. A look is a hash lookup per image (about 0.1 ms at 10,000 images).
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// How far the background worker has got, for `/readyz`: of the images of the served store it
/// decodes, how many have been done (made, or found undecodable).
#[derive(Debug, Default)]
pub struct PlaceholderProgress {
    done: AtomicUsize,
    total: AtomicUsize,
    decoded: AtomicUsize,
}

impl PlaceholderProgress {
    /// Images of the served store done: a placeholder made or read from the cache, or the
    /// file found undecodable.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Acquire)
    }

    /// Images of the served store that get a placeholder (JPEG, PNG, GIF and WebP), each
    /// distinct file counted once.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Acquire)
    }

    /// Images decoded since start-up (not read from the cache), failures included.
    pub fn decoded(&self) -> usize {
        self.decoded.load(Ordering::Acquire)
    }
}

/// Starts the `quire-placeholders` thread: placeholders for every image of the store served by
/// `reloader`, whose files are under `root`, kept in `index_dir` between runs when given, and
/// published into the served store (see [`Reloader::amend_store`]) as they are made; then for
/// the new images of every later reload, until the reloader is dropped. `threads` decode at
/// once (at least one).
pub fn make_and_follow(
    reloader: &Arc<Reloader>,
    root: PathBuf,
    index_dir: Option<&Path>,
    threads: usize,
    progress: Arc<PlaceholderProgress>,
) -> io::Result<()> {
    let cache = index_dir.and_then(|dir| {
        PlaceholderCache::open(dir)
            .inspect_err(|err| {
                log::error!(
                    "cannot keep placeholders in {}: {err}; they are made again at each start",
                    dir.display()
                );
            })
            .ok()
    });
    let reloader = Arc::downgrade(reloader);
    let mut worker = Worker {
        root,
        cache,
        threads: threads.max(1),
        progress,
        made: HashMap::new(),
        failed: HashSet::new(),
        files: 0,
    };
    thread::Builder::new()
        .name("quire-placeholders".to_owned())
        .spawn(move || {
            let mut first = true;
            // Weak, so the thread ends with the server rather than keep its reloader alive.
            while let Some(reloader) = Weak::upgrade(&reloader) {
                if first || worker.lacks_any(&reloader.store()) {
                    worker.catch_up(&reloader);
                }
                if first && let Some(cache) = &worker.cache {
                    // Entries of images no longer there, once per run, after the first pass.
                    let removed = cache.retain(|hash| worker.made.contains_key(&hash));
                    if removed > 0 {
                        log::info!("placeholder cache: {removed} entries of images gone removed");
                    }
                }
                first = false;
                drop(reloader);
                thread::sleep(LOOK_EVERY);
            }
        })
        .map(drop)
}

struct Worker {
    root: PathBuf,
    cache: Option<PlaceholderCache>,
    threads: usize,
    progress: Arc<PlaceholderProgress>,
    /// Every placeholder of the served store's images made so far, by hash.
    made: HashMap<u64, Arc<Placeholder>>,
    /// Images that cannot have one (corrupt, unsupported, too large), not tried again.
    failed: HashSet<u64>,
    /// How many decodable image files the store had at the last catch-up.
    files: usize,
}

impl Worker {
    /// Whether `store` has an image not yet done, or has lost one since the last catch-up.
    fn lacks_any(&self, store: &Store) -> bool {
        let mut files = 0;
        for media in decodable(store) {
            if !self.made.contains_key(&media.hash) && !self.failed.contains(&media.hash) {
                return true;
            }
            files += 1;
        }
        files != self.files
    }

    /// Makes the placeholders the served store's images lack and publishes them.
    fn catch_up(&mut self, reloader: &Reloader) {
        let started = Instant::now();
        let store = reloader.store();
        self.files = decodable(&store).count();
        let images = decodable_images(&store, &self.root);
        drop(store);
        self.made.retain(|hash, _| images.contains_key(hash));
        self.failed.retain(|hash| images.contains_key(hash));
        let mut todo: Vec<(u64, &PathBuf)> = images
            .iter()
            .filter(|(hash, _)| !self.made.contains_key(hash) && !self.failed.contains(hash))
            .map(|(&hash, path)| (hash, path))
            .collect();
        self.progress.total.store(images.len(), Ordering::Release);
        self.set_done(images.len() - todo.len());
        if todo.is_empty() {
            return;
        }
        let wanted = todo.len();
        if let Some(cache) = &self.cache {
            todo.retain(|&(hash, _)| match cache.get(hash) {
                Some(placeholder) => {
                    self.made.insert(hash, Arc::new(placeholder));
                    false
                }
                None => true,
            });
        }
        let from_cache = wanted - todo.len();
        if from_cache > 0 {
            self.publish(reloader);
        }
        // Counted done once shown, like the decoded ones.
        self.set_done(images.len() - todo.len());
        let decoded = self.decode(reloader, &todo);
        log::info!(
            "placeholders: {} images, {from_cache} from the cache, {decoded} decoded in {} ms",
            images.len(),
            started.elapsed().as_millis()
        );
    }

    /// Decodes `todo` on the worker's threads, publishing what is made at most every
    /// [`PUBLISH_EVERY`] and once at the end; returns how many were decoded.
    fn decode(&mut self, reloader: &Reloader, todo: &[(u64, &PathBuf)]) -> usize {
        let next = AtomicUsize::new(0);
        let (sender, results) = mpsc::channel();
        let mut received = 0;
        thread::scope(|scope| {
            for n in 0..self.threads.min(todo.len()) {
                let sender = sender.clone();
                let next = &next;
                let spawned = thread::Builder::new()
                    .name(format!("quire-placeholders-{n}"))
                    .spawn_scoped(scope, move || {
                        lower_priority();
                        while let Some(&(hash, path)) =
                            todo.get(next.fetch_add(1, Ordering::Relaxed))
                        {
                            if sender.send((hash, path, from_file(path, hash))).is_err() {
                                return;
                            }
                        }
                    });
                if let Err(err) = spawned {
                    log::error!("placeholders: cannot start a decoding thread: {err}");
                }
            }
            drop(sender);
            let mut published = Instant::now();
            let mut unpublished = 0;
            // Decoded since the last publish, not yet counted done.
            let mut finished = 0;
            loop {
                match results.recv_timeout(PUBLISH_EVERY.saturating_sub(published.elapsed())) {
                    Ok((hash, path, made)) => {
                        received += 1;
                        if self.record(hash, path, made) {
                            unpublished += 1;
                        }
                        self.progress.decoded.fetch_add(1, Ordering::AcqRel);
                        finished += 1;
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
                if unpublished > 0 && published.elapsed() >= PUBLISH_EVERY {
                    self.publish(reloader);
                    published = Instant::now();
                    unpublished = 0;
                }
                // Counted done once kept (whoever sees it done finds its cache entry) and
                // shown (responses carry it), so `/readyz` never runs ahead of the API.
                if unpublished == 0 {
                    self.progress.done.fetch_add(finished, Ordering::AcqRel);
                    finished = 0;
                }
            }
            if unpublished > 0 {
                self.publish(reloader);
            }
            self.progress.done.fetch_add(finished, Ordering::AcqRel);
        });
        received
    }

    /// Keeps what decoding `path` gave; says whether it is a new placeholder.
    fn record(&mut self, hash: u64, path: &Path, made: Result<Placeholder, String>) -> bool {
        match made {
            Ok(placeholder) => {
                if let Some(cache) = &self.cache
                    && let Err(err) = cache.put(hash, &placeholder)
                {
                    log::warn!("placeholder cache: cannot keep {}: {err}", path.display());
                }
                self.made.insert(hash, Arc::new(placeholder));
                true
            }
            Err(why) => {
                log::warn!("no placeholder for {}: {why}", path.display());
                self.failed.insert(hash);
                false
            }
        }
    }

    fn set_done(&self, done: usize) {
        self.progress.done.store(done, Ordering::Release);
    }

    /// Swaps in the served store carrying every placeholder made for its images.
    fn publish(&self, reloader: &Reloader) {
        reloader.amend_store(|store| {
            let carried = carried(store, &self.made);
            // Nothing new to show: the served store stays, and cached responses with it.
            (carried != **store.placeholders()).then(|| store.with_placeholders(Arc::new(carried)))
        });
    }
}

/// Makes the calling thread yield the CPU to request threads: placeholders can wait, a reader
/// should not. On Linux the nice value is per thread, so only the decoding threads are lowered.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `setpriority` takes no pointers; `who = 0` is the calling thread on Linux.
        let lowered = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
        if lowered != 0 {
            log::debug!("placeholders: cannot lower a decoding thread's priority");
        }
    }
}

/// The media files of `store` that get a placeholder.
fn decodable(store: &Store) -> impl Iterator<Item = &Arc<MediaFile>> {
    store
        .media()
        .values()
        .filter(|media| DECODED.contains(&media.content_type))
}

/// The decodable images of `store` by hash, each with the path of one file that has it.
fn decodable_images(store: &Store, root: &Path) -> HashMap<u64, PathBuf> {
    decodable(store)
        .map(|media| (media.hash, root.join(&media.path)))
        .collect()
}

/// The placeholders in `made` of the images of `store`.
fn carried(store: &Store, made: &HashMap<u64, Arc<Placeholder>>) -> Placeholders {
    store
        .media()
        .values()
        .filter_map(|media| Some((media.hash, Arc::clone(made.get(&media.hash)?))))
        .collect()
}

/// The placeholder of the image file at `path`, if its bytes still hash to `hash` (a file
/// replaced since the store was made is left to the reload that follows).
fn from_file(path: &Path, hash: u64) -> Result<Placeholder, String> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|file| {
            // Sized from the start: growing the buffer while reading copies a photo repeatedly.
            let len = file.metadata().map_or(0, |metadata| metadata.len());
            bytes.reserve(usize::try_from(len.min(MAX_FILE_BYTES + 1)).unwrap_or(0));
            file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)
        })
        .map_err(|err| format!("cannot read it: {err}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {} MiB", MAX_FILE_BYTES >> 20));
    }
    if xxh3_64(&bytes) != hash {
        return Err("the file changed while being read; the next reload takes it".to_owned());
    }
    // The decoders are third-party code given untrusted bytes: a panic in one must cost this
    // image its placeholder, not the thread every later image needs.
    panic::catch_unwind(AssertUnwindSafe(|| make_placeholder(&bytes)))
        .unwrap_or_else(|_| Err(PlaceholderError::Corrupt("the decoder panicked".to_owned())))
        .map_err(|err| err.to_string())
}
