//! Keeping the search index in step with hot reload: a thread applies each reload report's
//! created, updated and deleted slugs to the index, and rebuilds it if reports were missed.

use std::sync::Arc;
use std::thread;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::SearchIndex;
use crate::reload::{ReloadReport, Reloader};

/// Starts a thread that applies every later reload to `index`. Searches keep using the
/// previous index state until an update is committed, and map hits through the newest store.
pub fn follow_reloads(index: Arc<SearchIndex>, reloader: &Arc<Reloader>) -> std::io::Result<()> {
    let reports = reloader.subscribe();
    let reloader = Arc::clone(reloader);
    thread::Builder::new()
        .name("quire-search".to_owned())
        .spawn(move || apply_reports(&index, &reloader, reports))
        .map(|_| ())
}

fn apply_reports(
    index: &SearchIndex,
    reloader: &Reloader,
    mut reports: Receiver<Arc<ReloadReport>>,
) {
    loop {
        let result = match reports.blocking_recv() {
            Ok(report) => {
                let upserted: Vec<String> = report
                    .created
                    .iter()
                    .chain(&report.updated)
                    .cloned()
                    .collect();
                index.apply(&report.store, &upserted, &report.deleted)
            }
            Err(RecvError::Lagged(missed)) => {
                log::warn!("search: {missed} reloads were missed; re-indexing everything");
                index.rebuild(&reloader.store())
            }
            Err(RecvError::Closed) => return,
        };
        if let Err(err) = result {
            log::error!("search: the index could not follow a reload: {err}");
        }
    }
}
