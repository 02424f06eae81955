//! How many connections and event streams the process's file descriptors allow, so Quire stops
//! accepting before it runs out of descriptors for its own files.

/// How many connections and event streams the process's file descriptors allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ConnectionLimits {
    /// Server worker threads, as actix-web would start by default: one per core.
    pub(super) workers: usize,
    /// Connections each worker accepts at once.
    pub(super) per_worker: usize,
    /// Event streams open at once.
    pub(super) streams: usize,
}

impl ConnectionLimits {
    /// A quarter of the descriptors (at least 64) stays for Quire's own files (content, the
    /// search index, the watcher, the webhook); the rest may be connections, and at most half
    /// of those event streams, so health checks and API requests always find room. Without a
    /// known limit, actix-web's default (25,000 connections per worker) and `max_streams` hold.
    pub(super) fn for_files(
        files: Option<impl TryInto<usize>>,
        max_streams: usize,
    ) -> ConnectionLimits {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let Some(files) = files.and_then(|files| files.try_into().ok()) else {
            return ConnectionLimits {
                workers,
                per_worker: 25_000,
                streams: max_streams,
            };
        };
        let connections = files.saturating_sub((files / 4).max(64)).max(workers);
        let streams = max_streams.min(connections / 2);
        if streams < max_streams {
            log::warn!(
                "--max-event-streams {max_streams} lowered to {streams}: the file descriptor limit \
                 (ulimit -n) is {files}, which leaves room for {connections} connections; raise \
                 the limit for more"
            );
        }
        ConnectionLimits {
            workers,
            per_worker: (connections / workers).max(1),
            streams,
        }
    }
}

/// The process's soft limit on open files (`ulimit -n`), if it has one.
#[cfg(unix)]
pub(super) fn open_file_limit() -> Option<libc::rlim_t> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes a `rlimit` into the one it is given, which lives until it returns.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (read == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

#[cfg(not(unix))]
pub(super) fn open_file_limit() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usual_file_limit_keeps_the_stream_cap_and_bounds_connections_under_it() {
        let limits = ConnectionLimits::for_files(Some(1024_u64), 256);

        assert_eq!(limits.streams, 256);
        assert!(limits.per_worker * limits.workers <= 768, "{limits:?}");
    }

    #[test]
    fn a_low_file_limit_lowers_the_stream_cap_to_half_the_connections() {
        let limits = ConnectionLimits::for_files(Some(256_u64), 256);

        assert_eq!(limits.streams, 96, "{limits:?}");
    }

    #[test]
    fn without_a_file_limit_actix_defaults_hold() {
        let limits = ConnectionLimits::for_files(None::<u64>, 256);

        assert_eq!((limits.per_worker, limits.streams), (25_000, 256));
    }
}
