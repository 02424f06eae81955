//! The `quire` binary: parse settings, start logging, then serve, check or print the spec.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use jiff::Timestamp;
use quire::content::links::UrlRules;
use quire::content::problem::counted;
use quire::content::survey;
use quire::domain::ProblemKind;
use quire::http::ACCESS_LOG;
use quire::reload::Library;
use quire::settings::{CheckSettings, Cli, Command};
use quire::startup::Application;
use quire::store::Store;

/// mimalloc, without transparent huge pages, gives freed memory back to the system page by page
/// and allocates faster from many threads: the index build peaks lower and finishes sooner.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    // The HTML parser under the sanitizer logs each piece of text it reads at debug level, and
    // it reads drafts too: held at info, `RUST_LOG=debug` prints no post's text.
    for parser in ["html5ever", "markup5ever"] {
        logger.filter_module(parser, log::LevelFilter::Info);
    }
    // A line per request is megabytes a second under load: only server errors are logged
    // unless `--access-log` asks for every request, or `RUST_LOG` names the target itself.
    let access_log = match &cli.command {
        None => cli.serve.access_log,
        Some(Command::Serve(settings)) => settings.access_log,
        Some(_) => false,
    };
    let access_named = std::env::var("RUST_LOG").is_ok_and(|filter| filter.contains(ACCESS_LOG));
    if access_log {
        logger.filter_module(ACCESS_LOG, log::LevelFilter::Info);
    } else if !access_named {
        logger.filter_module(ACCESS_LOG, log::LevelFilter::Warn);
    }
    logger.init();
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Openapi => {
            let mut out = std::io::stdout().lock();
            match out
                .write_all(quire::openapi::document_json().as_bytes())
                .and_then(|()| out.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: cannot write the document: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check(settings) => check(&settings),
        Command::Serve(settings) => {
            let result = actix_web::rt::System::new().block_on(async {
                let app = Application::build(*settings)?;
                // Loaded: what the search index build (now starting) frees goes back at once.
                return_freed_memory_at_once();
                app.run_until_stopped().await?;
                Ok::<(), Box<dyn std::error::Error>>(())
            });
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    log::error!("{err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `quire check`: prints every problem, one per line like a compiler, then a summary; this is
/// the command's output, not logging.
fn check(settings: &CheckSettings) -> ExitCode {
    let options = settings.reading.load_options(UrlRules::default());
    let survey = match survey(&settings.dir) {
        Ok(survey) => survey,
        Err(err) => {
            eprintln!(
                "error: cannot read the content folder {}: {err}",
                settings.dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let unread = survey.unread_summary();
    // One listing serves both the summary and the loading, so the folder is walked once.
    let library = Library::surveyed(&settings.dir, survey, options);
    let store = Store::build(library.finish(), Timestamp::now());
    let (errors, warnings) = store.problem_counts();
    let link_problems = store
        .problems()
        .iter()
        .filter(|problem| problem.kind == ProblemKind::Link)
        .count();
    let printed = (|| {
        let mut out = std::io::stdout().lock();
        for problem in store.problems() {
            writeln!(out, "{problem}")?;
        }
        if let Some(unread) = &unread {
            writeln!(out, "{unread}")?;
        }
        let about_links = match link_problems {
            0 => String::new(),
            count => format!(" ({count} about links)"),
        };
        writeln!(
            out,
            "{} loaded, {}, {}{about_links}",
            counted(store.all_posts().len(), "post"),
            counted(errors, "error"),
            counted(warnings, "warning"),
        )?;
        out.flush()
    })();
    // A reader that stops early (`quire check | head`) is not an error of the content.
    if let Err(err) = printed
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {err}");
        return ExitCode::FAILURE;
    }
    if errors > 0 || (settings.strict_links && link_problems > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// mimalloc's `mi_option_purge_delay` (its v3 `mimalloc.h`); the test below checks the number.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed from now on goes back to the system at once instead of a second later, so the
/// index build's buffers do not stack on pages that are free but still resident. Not set while
/// loading, which frees and allocates again quickly and is slower when every free is returned.
fn return_freed_memory_at_once() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table; any value is valid.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_that_defaults_to_a_second() {
        // SAFETY: reading an option has no preconditions.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000, "mimalloc renumbered its options");
    }
}
