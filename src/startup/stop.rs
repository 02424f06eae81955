//! Stopping the server: a handle that ends the event streams before it stops the server, and
//! the SIGTERM listener that does the same when the process is told to stop, since streams
//! never finish on their own and a graceful stop would wait on them.

use std::sync::Arc;

use actix_web::dev::ServerHandle;

use crate::routes::EventStreams;

/// Stops a running [`Application`](super::Application): ends its event streams, then stops the server.
#[derive(Clone)]
pub struct StopHandle {
    pub(super) server: ServerHandle,
    pub(super) streams: Arc<EventStreams>,
}

impl StopHandle {
    /// Ends the event streams and stops the server; `graceful` lets the requests under way
    /// finish first (for up to 10 s). The command is sent at once; the future only waits for
    /// the server to have stopped.
    pub fn stop(&self, graceful: bool) -> impl Future<Output = ()> + use<> {
        self.streams.close();
        self.server.stop(graceful)
    }
}

/// Listens for SIGTERM beside actix-server's own handler (every listener hears it) and ends
/// the event streams when it comes; `None` when the signal cannot be listened for.
#[cfg(unix)]
pub(super) fn end_streams_on_sigterm(
    streams: Arc<EventStreams>,
) -> Option<actix_web::rt::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => Some(actix_web::rt::spawn(async move {
            if terminate.recv().await.is_some() {
                streams.close();
            }
        })),
        Err(err) => {
            log::warn!(
                "cannot listen for SIGTERM ({err}); a stop will wait for open event streams"
            );
            None
        }
    }
}

#[cfg(not(unix))]
pub(super) fn end_streams_on_sigterm(
    _: Arc<EventStreams>,
) -> Option<actix_web::rt::task::JoinHandle<()>> {
    None
}
