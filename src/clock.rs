//! The current time, injectable so tests can decide what "now" is for scheduled posts.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// A source of the current instant.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
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
}
