//! The current time, injectable so tests can decide what "now" is for scheduled posts.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// The longest a waiter sleeps before looking at the clock again: the wall clock can jump
/// (a suspended machine, a corrected time), and a long sleep would miss that.
pub const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// How often a waiter looks at a [`ManualClock`], which a test can move at any moment.
pub const MANUAL_CLOCK_LOOK: Duration = Duration::from_millis(20);

/// A source of the current instant.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;

    /// How long to sleep, in real time, before looking at this clock again to see `instant`
    /// pass (`None`: nothing to wait for): the time left, at most [`LONGEST_WAIT`].
    fn real_wait_until(&self, instant: Option<Timestamp>) -> Duration {
        let Some(instant) = instant else {
            return LONGEST_WAIT;
        };
        // An instant already past needs no wait.
        Duration::try_from(instant.duration_since(self.now()))
            .unwrap_or(Duration::ZERO)
            .min(LONGEST_WAIT)
    }
}

/// The system's real-time clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock stuck at one instant, for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// A clock that stays where it is set and moves only when told, so tests can watch a scheduled
/// post go live (or an expiring one disappear) without sleeping and without a reload.
#[derive(Debug)]
pub struct ManualClock {
    /// Microseconds since the Unix epoch; atomic, so reading it never takes a lock.
    micros: AtomicI64,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock {
            micros: AtomicI64::new(start.as_microsecond()),
        }
    }

    /// Moves the clock to `instant` (backwards too).
    pub fn set(&self, instant: Timestamp) {
        self.micros
            .store(instant.as_microsecond(), Ordering::SeqCst);
    }

    /// Moves the clock forward by `span` (backwards when negative).
    pub fn advance(&self, span: SignedDuration) {
        let micros = i64::try_from(span.as_micros()).unwrap_or(i64::MAX);
        self.micros.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let micros = self.micros.load(Ordering::SeqCst);
        Timestamp::from_microsecond(micros).unwrap_or(Timestamp::MAX)
    }

    /// Real time does not move this clock, a test does, at any moment: look again soon.
    fn real_wait_until(&self, _instant: Option<Timestamp>) -> Duration {
        MANUAL_CLOCK_LOOK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_hours(2));
        assert_eq!(clock.now().to_string(), "2026-01-01T02:00:00Z");
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn a_waiter_sleeps_until_the_instant_but_never_past_the_longest_wait() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let clock = FixedClock(now);
        let soon = now + SignedDuration::from_secs(3);
        assert_eq!(clock.real_wait_until(Some(soon)), Duration::from_secs(3));
        let later = now + SignedDuration::from_hours(5);
        assert_eq!(clock.real_wait_until(Some(later)), LONGEST_WAIT);
        assert_eq!(clock.real_wait_until(None), LONGEST_WAIT);
        let past = now - SignedDuration::from_secs(3);
        assert_eq!(clock.real_wait_until(Some(past)), Duration::ZERO);
    }
}
