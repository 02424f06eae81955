//! The CSS selectors of the two `lol_html` passes (finding a post's URLs when it renders,
//! rewriting them once resolved), parsed once: `lol_html`'s `element!` parses its selector on
//! every use, which at start-up cost about as much as the pass itself (see
//! docs/performance.md, issue 22).
//!
//! What this relies on: every selector here is a literal `lol_html` can parse, or the first
//! post to render panics; the unit tests of `extract` and `rewrite` use each one.

use std::borrow::Cow;
use std::sync::LazyLock;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HandlerResult, Selector};

/// `handler` on the elements `selector` matches, as `lol_html`'s settings take it.
pub(super) fn on<'h>(
    selector: &'static LazyLock<Selector>,
    handler: impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h,
) -> (Cow<'static, Selector>, ElementContentHandlers<'h>) {
    (
        Cow::Borrowed(&**selector),
        ElementContentHandlers::default().element(handler),
    )
}

fn parse(source: &'static str) -> Selector {
    source
        .parse()
        .unwrap_or_else(|err| panic!("`{source}` is not a selector lol_html reads: {err}"))
}

/// Elements with an `id`, and `<a name>`: the anchors a link can point to.
pub(super) static ANCHORS: LazyLock<Selector> = LazyLock::new(|| parse("[id], a[name]"));
/// Links.
pub(super) static LINKS: LazyLock<Selector> = LazyLock::new(|| parse("a[href]"));
/// Images.
pub(super) static IMAGES: LazyLock<Selector> = LazyLock::new(|| parse("img"));
/// A `<picture>`'s sources.
pub(super) static SOURCE_SETS: LazyLock<Selector> = LazyLock::new(|| parse("source[srcset]"));
/// Video, audio and their sources and tracks.
pub(super) static MEDIA_SOURCES: LazyLock<Selector> =
    LazyLock::new(|| parse("video[src], audio[src], source[src], track[src]"));
/// A video's poster image.
pub(super) static POSTERS: LazyLock<Selector> = LazyLock::new(|| parse("video[poster]"));
