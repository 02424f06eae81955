//! Building the application: load the content into a store, bind the listener (port 0 picks
//! a free one, which tests use), and wire routes, logging and Swagger UI.

mod limits;
mod stop;

use std::fmt;
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, Service, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, http::header, web};
use arc_swap::ArcSwap;
use utoipa_actix_web::AppExt;

use crate::clock::{Clock, SystemClock};
use crate::content::LoadOptions;
use crate::content::links::UrlRules;
use crate::content::problem::counted;
use crate::domain::Severity;
use crate::feeds::FeedOptions;
use crate::http::cors::CrossOrigin;
use crate::http::edge::Edge;
use crate::http::media::HeadRequest;
use crate::http::respond::Responses;
use crate::http::swagger::{self, ApiDocs};
use crate::http::{self, HttpContext};
use crate::openapi;
use crate::placeholders::{self, PlaceholderProgress};
use crate::reload::webhook::Webhook;
use crate::reload::{self, Library, ReloadOptions, Reloader, Watching};
use crate::routes::preview::PreviewToken;
use crate::routes::{self, AppState, EventStreams, KnownPaths, Site};
use crate::search::{self, SearchProbe, SearchSlot};
use crate::settings::ServeSettings;
use crate::store::Store;
use limits::{ConnectionLimits, open_file_limit};
use stop::end_streams_on_sigterm;

pub use stop::StopHandle;

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
    let store = Store::build(library.finish(), clock.now());
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

/// What reloading needs from the settings: the folder, whether to watch it, and the webhook.
fn reload_options(settings: &ServeSettings) -> ReloadOptions {
    ReloadOptions {
        content: settings.content.clone(),
        watch: !settings.no_watch,
        webhook: settings.webhook_url.as_ref().map(|url| Webhook {
            url: url.clone(),
            secret: settings.webhook_secret.clone(),
        }),
    }
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

/// How to start an [`Application`]: its settings, and what only tests change (the clock, and
/// hooks into the search index's build and searches), so none of that is a setting.
pub struct ApplicationBuilder {
    settings: ServeSettings,
    clock: Arc<dyn Clock>,
    search_hold: Option<Arc<Barrier>>,
    search_probe: Option<SearchProbe>,
}

impl ApplicationBuilder {
    /// Uses `clock` instead of the system clock, so a test controls "now".
    pub fn clock(self, clock: Arc<dyn Clock>) -> ApplicationBuilder {
        ApplicationBuilder { clock, ..self }
    }

    /// Holds the background build of the search index until the other party also waits on
    /// `barrier` (of two), so a test sees search while the index is being built.
    pub fn hold_search(self, barrier: Arc<Barrier>) -> ApplicationBuilder {
        ApplicationBuilder {
            search_hold: Some(barrier),
            ..self
        }
    }

    /// Runs `probe` on the thread of every search, before the search runs.
    pub fn probe_search(self, probe: SearchProbe) -> ApplicationBuilder {
        ApplicationBuilder {
            search_probe: Some(probe),
            ..self
        }
    }

    /// Loads content and binds the listener.
    pub fn build(self) -> Result<Application, StartupError> {
        Application::build_from(self)
    }
}

impl Application {
    /// Loads content and binds the listener, using the system clock.
    pub fn build(settings: ServeSettings) -> Result<Application, StartupError> {
        Application::builder(settings).build()
    }

    /// A builder of an application serving as `settings` say, by the system clock.
    pub fn builder(settings: ServeSettings) -> ApplicationBuilder {
        ApplicationBuilder {
            settings,
            clock: Arc::new(SystemClock),
            search_hold: None,
            search_probe: None,
        }
    }

    /// Loads content and binds the listener as `builder` says.
    fn build_from(builder: ApplicationBuilder) -> Result<Application, StartupError> {
        let ApplicationBuilder {
            settings,
            clock,
            search_hold,
            search_probe,
        } = builder;
        // The listener comes first: without `--base-url`, its address is the base of the URLs
        // written into posts as they load.
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
        let options = settings.reading.load_options(UrlRules {
            base_url: base_url.trim_end_matches('/').to_owned(),
            post_url: settings.post_url.clone(),
        });
        // The watch is attached while the content loads, so nothing written meanwhile is missed.
        let early_watch = reload::begin_watching(&reload_options(&settings));
        let (library, store) = load_library(&settings.content, options, clock.as_ref())?;
        let (errors, _) = store.problem_counts();
        if settings.strict && errors > 0 {
            return Err(StartupError::Strict { errors });
        }
        let current = Arc::new(ArcSwap::from_pointee(store));
        let reloader = Arc::new(Reloader::new(
            library,
            Arc::clone(&current),
            Arc::clone(&clock),
        ));
        // Posts are served as soon as the store is loaded; the search index is built on its own
        // thread, and search answers 503 until it is done.
        let search = Arc::new(SearchSlot::building().with_probe(search_probe));
        let index_dir = settings.index_dir.clone();
        if let Err(err) =
            search::build_and_follow(Arc::clone(&search), &reloader, index_dir, search_hold)
        {
            log::error!("cannot start the search index's thread: {err}; search is unavailable");
            search.set_failed(true);
        }
        // Placeholders need every image decoded: made on their own threads, from the cache in
        // `--index-dir` first, and shown in responses as they are published.
        let placeholders = Arc::new(PlaceholderProgress::default());
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        if let Err(err) = placeholders::make_and_follow(
            &reloader,
            settings.content.clone(),
            settings.index_dir.as_deref(),
            cores,
            Arc::clone(&placeholders),
        ) {
            log::error!("cannot start the placeholders' thread: {err}; images have none");
        }
        let watching = reload::follow_changes(&reloader, &reload_options(&settings), early_watch);
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
            placeholders,
            feeds: FeedOptions {
                content: settings.feed_content,
                post_url: settings.post_url.clone(),
            },
            content: Arc::from(settings.content.as_path()),
        };
        let document = openapi::document();
        let known_paths = KnownPaths::from_openapi(&document);
        let http_context = web::Data::new(HttpContext::new(&settings.cache_control));
        let cors_origins = settings.cors_origins.clone();
        let limits = ConnectionLimits::for_files(open_file_limit(), settings.max_event_streams);
        let streams = Arc::new(EventStreams::new(limits.streams));
        let app_streams = Arc::clone(&streams);

        let api_docs = web::Data::new(ApiDocs::new(&document));

        let server = HttpServer::new(move || {
            let responses = Responses::new(
                Arc::clone(&state.store),
                Arc::clone(&state.clock),
                http_context.clone(),
            );
            // The layers `http`'s header lists, inside first: the last `wrap` is outermost.
            App::new()
                .wrap(http::layer(responses, Responses::serve))
                .wrap(CrossOrigin::new(&cors_origins))
                .wrap(http::layer(Edge::new(http_context.clone()), Edge::serve))
                .wrap_fn(answer_head_like_get)
                .app_data(web::Data::new(state.clone()))
                .app_data(web::Data::new(known_paths.clone()))
                .app_data(http_context.clone())
                .app_data(web::Data::from(Arc::clone(&app_streams)))
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .configure(swagger::routes(api_docs.clone()))
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

/// HEAD is answered by the GET route: the HTTP/1 codec remembers the request was HEAD and
/// sends the same headers without a body. The mark left in the request lets a streamed
/// answer (`/media`) skip reading the file it would not send.
fn answer_head_like_get<S, B>(mut request: ServiceRequest, service: &S) -> S::Future
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
        request.extensions_mut().insert(HeadRequest);
    }
    service.call(request)
}

async fn redirect_to_swagger_ui() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/swagger-ui/"))
        .finish()
}
