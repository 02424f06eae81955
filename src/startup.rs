//! Building the application: load the content into a store, bind the listener (port 0 picks
//! a free one, which tests use), and wire routes, logging and Swagger UI.

use std::fmt;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle, Service, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware;
use actix_web::{App, HttpResponse, HttpServer, http::header, web};
use arc_swap::ArcSwap;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::clock::{Clock, SystemClock};
use crate::content::LoadOptions;
use crate::content::problem::counted;
use crate::domain::Severity;
use crate::feeds::FeedOptions;
use crate::http::{self, HttpContext, layers};
use crate::openapi;
use crate::reload::{self, Library, Reloader, Watching};
use crate::routes::preview::PreviewToken;
use crate::routes::{self, AppState, EventStreams, KnownPaths, Site};
use crate::search::{self, SearchSlot};
use crate::settings::ServeSettings;
use crate::store::Store;

/// Why Quire could not start.
#[derive(Debug)]
pub enum StartupError {
    /// The content folder could not be read.
    Content {
        /// The folder.
        dir: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `--strict` is set and some files have errors.
    Strict {
        /// How many files have errors.
        errors: usize,
    },
    /// The listening address could not be bound.
    Bind {
        /// The address.
        address: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::Content { dir, source } => {
                write!(f, "cannot read the content folder {dir}: {source}")
            }
            StartupError::Strict { errors } => {
                write!(
                    f,
                    "{} and --strict is set; fix them or run without --strict",
                    counted(*errors, "content error")
                )
            }
            StartupError::Bind { address, source } => {
                write!(f, "cannot listen on {address}: {source}")
            }
        }
    }
}

impl std::error::Error for StartupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartupError::Content { source, .. } | StartupError::Bind { source, .. } => {
                Some(source)
            }
            StartupError::Strict { .. } => None,
        }
    }
}

/// Loads a content folder into a store, logging each problem and a summary.
pub fn load_store(
    dir: &Path,
    options: LoadOptions,
    clock: &dyn Clock,
) -> Result<Store, StartupError> {
    load_library(dir, options, clock).map(|(_, store)| store)
}

/// Loads a content folder into a library of files (kept for reloads) and a store built from
/// it, logging each problem and a summary.
pub fn load_library(
    dir: &Path,
    options: LoadOptions,
    clock: &dyn Clock,
) -> Result<(Library, Store), StartupError> {
    let started = Instant::now();
    let library = Library::load(dir, options).map_err(|source| StartupError::Content {
        dir: dir.display().to_string(),
        source,
    })?;
    let parsed_in = started.elapsed();
    let store = Store::build(library.parsed(), clock.now());
    for problem in store.problems() {
        match problem.severity {
            Severity::Error => log::error!("content: {problem}"),
            Severity::Warning => log::warn!("content: {problem}"),
        }
    }
    let (errors, warnings) = store.problem_counts();
    log::info!(
        "loaded {} from {} in {} ms (read and parsed in {} ms; {}, {})",
        counted(store.all_posts().len(), "post"),
        dir.display(),
        started.elapsed().as_millis(),
        parsed_in.as_millis(),
        counted(errors, "error"),
        counted(warnings, "warning"),
    );
    Ok((library, store))
}

/// A bound, ready-to-run Quire server.
pub struct Application {
    port: u16,
    server: Server,
    /// The open event streams, ended when the server begins to stop.
    streams: Arc<EventStreams>,
    /// The content folder's watcher, stopped when the server has stopped.
    watching: Option<Watching>,
}

impl Application {
    /// Loads content and binds the listener, using the system clock.
    pub fn build(settings: ServeSettings) -> Result<Application, StartupError> {
        Application::build_with_clock(settings, Arc::new(SystemClock))
    }

    /// Loads content and binds the listener with a given clock, so tests control "now".
    pub fn build_with_clock(
        settings: ServeSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Application, StartupError> {
        let options = LoadOptions {
            trust_html: settings.trust_html,
            embed_hosts: settings.embed_hosts.clone().into(),
            max_file_size: settings.max_file_size,
        };
        let (library, store) = load_library(&settings.content, options, clock.as_ref())?;
        let (errors, _) = store.problem_counts();
        if settings.strict && errors > 0 {
            return Err(StartupError::Strict { errors });
        }

        let bind_error = |source| StartupError::Bind {
            address: settings.bind.clone(),
            source,
        };
        let listener = TcpListener::bind(&settings.bind).map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        let base_url = settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let current = Arc::new(ArcSwap::from_pointee(store));
        let reloader = Arc::new(Reloader::new(
            library,
            Arc::clone(&current),
            Arc::clone(&clock),
        ));
        // Posts are served as soon as the store is loaded; the search index is built on its own
        // thread, and search answers 503 until it is done.
        let search = Arc::new(SearchSlot::building().with_probe(settings.search_probe.clone()));
        let index_dir = settings.index_dir.clone();
        if let Err(err) = search::build_and_follow(
            Arc::clone(&search),
            &reloader,
            index_dir,
            settings.search_hold.clone(),
        ) {
            log::error!("cannot start the search index's thread: {err}; search is unavailable");
            search.set_failed(true);
        }
        let watching = reload::follow_changes(&reloader, &settings);
        let state = AppState {
            store: current,
            site: Site {
                title: settings.site_title.clone(),
                description: settings.site_description.clone(),
                base_url: base_url.trim_end_matches('/').to_owned(),
            },
            clock,
            reloader,
            preview: PreviewToken::new(settings.preview_token.as_ref()),
            search,
            feeds: FeedOptions {
                content: settings.feed_content,
                post_url: settings.post_url.clone(),
            },
        };
        let document = openapi::document();
        let known_paths = KnownPaths::from_openapi(&document);
        let http_context = web::Data::new(HttpContext::new(&settings.cache_control));
        let cors_origins = settings.cors_origins.clone();
        let limits = ConnectionLimits::for_files(open_file_limit(), settings.max_event_streams);
        let streams = Arc::new(EventStreams::new(limits.streams));
        let app_streams = Arc::clone(&streams);

        let server = HttpServer::new(move || {
            let state = web::Data::new(state.clone());
            App::new()
                .wrap(middleware::from_fn(layers::serve_prepared))
                .wrap(middleware::Compress::default())
                .wrap(http::cors(&cors_origins))
                .wrap(middleware::from_fn(layers::finish_coding))
                .wrap(layers::Edge::new(http_context.clone(), state.clone()))
                .wrap_fn(answer_head_like_get)
                .app_data(state)
                .app_data(web::Data::new(known_paths.clone()))
                .app_data(http_context.clone())
                .app_data(web::Data::from(Arc::clone(&app_streams)))
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .url("/api-docs/openapi.json", document.clone()),
                )
                .route("/swagger-ui", web::get().to(redirect_to_swagger_ui))
                .default_service(web::to(routes::fallback))
        })
        // A slow client gets 5 s to send its headers and 1 s to close; an idle keep-alive
        // connection is closed after 15 s. On SIGTERM (actix-server's own handler) in-flight
        // requests get up to 10 s to finish; event streams, which never finish on their own,
        // are ended at once (see `run_until_stopped` and `StopHandle`).
        .client_request_timeout(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(Duration::from_secs(15))
        // A client that closes its side is gone: its connection ends at once, and with it an
        // event stream, whose slot would otherwise be held until a keep-alive write failed.
        .h1_allow_half_closed(false)
        .shutdown_timeout(10)
        // Past this many connections Quire stops accepting (they wait in the backlog) rather
        // than run out of file descriptors, which would leave it unable to open its own files.
        .workers(limits.workers)
        .max_connections(limits.per_worker)
        .listen(listener)
        .map_err(bind_error)?
        .run();
        log::info!("serving on http://{address} (API docs at http://{address}/swagger-ui/)");
        log::debug!(
            "accepting up to {} connections per worker ({} workers), {} event streams",
            limits.per_worker,
            limits.workers,
            limits.streams
        );
        Ok(Application {
            port: address.port(),
            server,
            streams,
            watching,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server from elsewhere (tests stop each app they start).
    pub fn handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
            streams: Arc::clone(&self.streams),
        }
    }

    /// Serves until the server is stopped (Ctrl-C, SIGTERM or [`StopHandle::stop`]), then
    /// stops watching the content folder. SIGTERM also ends the event streams at once, so the
    /// graceful stop it begins (actix-server's own handler) does not wait on them.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let ending_streams = end_streams_on_sigterm(Arc::clone(&self.streams));
        let served = self.server.await;
        if let Some(task) = ending_streams {
            task.abort();
        }
        drop(self.watching);
        served
    }
}

/// Stops a running [`Application`]: ends its event streams, then stops the server.
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
    streams: Arc<EventStreams>,
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
fn end_streams_on_sigterm(
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
fn end_streams_on_sigterm(_: Arc<EventStreams>) -> Option<actix_web::rt::task::JoinHandle<()>> {
    None
}

/// How many connections and event streams the process's file descriptors allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ConnectionLimits {
    /// Server worker threads, as actix-web would start by default: one per core.
    workers: usize,
    /// Connections each worker accepts at once.
    per_worker: usize,
    /// Event streams open at once.
    streams: usize,
}

impl ConnectionLimits {
    /// A quarter of the descriptors (at least 64) stays for Quire's own files (content, the
    /// search index, the watcher, the webhook); the rest may be connections, and at most half
    /// of those event streams, so health checks and API requests always find room. Without a
    /// known limit, actix-web's default (25,000 connections per worker) and `max_streams` hold.
    fn for_files(files: Option<impl TryInto<usize>>, max_streams: usize) -> ConnectionLimits {
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
fn open_file_limit() -> Option<libc::rlim_t> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes a `rlimit` into the one it is given, which lives until it returns.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (read == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<usize> {
    None
}

/// HEAD is answered by the GET route: the HTTP/1 codec remembers the request was HEAD and
/// sends the same headers without a body.
fn answer_head_like_get<S, B>(mut request: ServiceRequest, service: &S) -> S::Future
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    service.call(request)
}

async fn redirect_to_swagger_ui() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/swagger-ui/"))
        .finish()
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
