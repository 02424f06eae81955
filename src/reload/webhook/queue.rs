//! The reports waiting for a slow receiver, merged into one delivery: for each post, whether
//! the receiver knew it before the first report and whether it exists after the last, so the
//! queue holds at most one entry per post however far the receiver falls behind.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::{GenerationRange, WebhookPayload};
use crate::reload::ReloadReport;

/// The reports waiting for the receiver, merged into one.
#[derive(Default)]
pub(super) struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    pending: Option<Pending>,
    /// The generation of the last report queued, to say where dropped ones began.
    heard: Option<u64>,
    /// How many reports the channel dropped since the last one queued.
    dropped: u64,
    closed: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a report, merged into those already waiting.
    pub(super) fn push(&self, report: &ReloadReport) {
        let mut state = self.lock();
        let missed = (state.dropped > 0).then(|| GenerationRange {
            from: state
                .heard
                .map_or(1, |heard| heard + 1)
                .min(report.generation),
            to: report.generation,
        });
        state.dropped = 0;
        state.heard = Some(report.generation);
        match &mut state.pending {
            Some(pending) => pending.merge(report, missed),
            None => state.pending = Some(Pending::of(report, missed)),
        }
        drop(state);
        self.ready.notify_one();
    }

    /// Notes that the channel dropped `count` reports: the next delivery says so.
    pub(super) fn note_dropped(&self, count: u64) {
        log::warn!(
            "webhook: {count} reload reports were dropped before they could be queued; the next delivery says so in `missed`"
        );
        self.lock().dropped += count;
    }

    /// No more reports will come; what is waiting is still delivered.
    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    /// Waits for reports and takes them all; `None` once closed and empty.
    pub(super) fn take(&self) -> Option<Pending> {
        let mut state = self.lock();
        loop {
            if let Some(pending) = state.pending.take() {
                return Some(pending);
            }
            if state.closed {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Reports merged for one delivery: for each slug, whether the receiver knew the post before
/// the first of them and whether it exists after the last.
pub(super) struct Pending {
    first: u64,
    latest: ReloadReport,
    reports: usize,
    slugs: BTreeMap<String, (bool, bool)>,
    missed: Option<GenerationRange>,
}

impl Pending {
    fn of(report: &ReloadReport, missed: Option<GenerationRange>) -> Pending {
        let mut pending = Pending {
            first: report.generation,
            latest: report.clone(),
            reports: 0,
            slugs: BTreeMap::new(),
            missed: None,
        };
        pending.merge(report, missed);
        pending
    }

    fn merge(&mut self, report: &ReloadReport, missed: Option<GenerationRange>) {
        let steps = [
            (&report.created, false, true),
            (&report.updated, true, true),
            (&report.deleted, true, false),
        ];
        for (slugs, existed, exists) in steps {
            for slug in slugs {
                self.slugs
                    .entry(slug.clone())
                    .and_modify(|state| state.1 = exists)
                    .or_insert((existed, exists));
            }
        }
        self.reports += 1;
        self.missed = match (self.missed, missed) {
            (Some(earlier), Some(later)) => Some(GenerationRange {
                from: earlier.from,
                to: later.to,
            }),
            (earlier, later) => earlier.or(later),
        };
        self.latest = ReloadReport {
            created: Vec::new(),
            updated: Vec::new(),
            deleted: Vec::new(),
            ..report.clone()
        };
    }

    /// The merged report as one delivery's payload (its id and timestamp still to be set).
    pub(super) fn into_delivery(self) -> WebhookPayload {
        let mut report = self.latest;
        for (slug, state) in self.slugs {
            match state {
                (false, true) => report.created.push(slug),
                (true, true) => report.updated.push(slug),
                // Created and deleted again in between: listed as deleted all the same, since
                // the receiver may have read the post from the API meanwhile.
                (_, false) => report.deleted.push(slug),
            }
        }
        let coalesced = (self.reports > 1).then_some(GenerationRange {
            from: self.first,
            to: report.generation,
        });
        WebhookPayload {
            delivery_id: String::new(),
            timestamp: String::new(),
            report,
            coalesced,
            missed: self.missed,
        }
    }
}
