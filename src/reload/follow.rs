//! The threads that follow changes beside the server, started from the few settings they need
//! ([`ReloadOptions`], built by `startup`): the schedule (posts going live and expiring), the
//! watcher of the content folder and the webhook.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, Weak};

use super::webhook::{self, Webhook};
use super::{EarlyWatch, Reloader, Watching, watch, watch_early};

/// What following changes needs to know, taken from the settings when Quire starts.
#[derive(Debug, Clone)]
pub struct ReloadOptions {
    /// The content folder as given: it may be a link, or be replaced while it is served.
    pub content: PathBuf,
    /// Whether to watch the folder for changes (off with `--no-watch`).
    pub watch: bool,
    /// Where to deliver what the public can read change, if anywhere.
    pub webhook: Option<Webhook>,
}

/// Begins watching the content folder before it is loaded, as `options` asks (see
/// [`watch_early`]); `None` with `--no-watch`, or if the watch cannot begin early, in which
/// case [`follow_changes`] attaches it after the load.
pub fn begin_watching(options: &ReloadOptions) -> Option<EarlyWatch> {
    if !options.watch {
        return None;
    }
    watch_early(&options.content)
        .map_err(|err| log::warn!("{err}; the content folder is watched once it is loaded"))
        .ok()
}

/// Starts what `options` asks for: announcing scheduled posts as they go live or expire,
/// watching the content folder (unless `--no-watch`; with the watch begun `early`, if it was)
/// and delivering public reports to the webhook (with `--webhook-url`). A failure to start any
/// of them is logged and Quire goes on serving the content it loaded. The folder is watched
/// while the returned [`Watching`] lives.
pub fn follow_changes(
    reloader: &Arc<Reloader>,
    options: &ReloadOptions,
    early: Option<EarlyWatch>,
) -> Option<Watching> {
    if let Some(hook) = &options.webhook
        && let Err(err) = webhook::spawn(hook.clone(), reloader.announcements())
    {
        log::error!("cannot start the webhook thread: {err}; reloads will not be sent");
    }
    if let Err(err) = announce_schedule(reloader) {
        log::error!(
            "cannot start the schedule thread: {err}; posts going live or expiring will not be announced"
        );
    }
    if !options.watch {
        log::info!("not watching {} (--no-watch)", options.content.display());
        return None;
    }
    match early {
        Some(early) => early.follow(Arc::clone(reloader)),
        None => watch(Arc::clone(reloader), &options.content),
    }
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
