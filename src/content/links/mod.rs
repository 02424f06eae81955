//! Links and media in posts: every local URL a post's HTML holds (found once when it is
//! rendered, `extract`) is resolved once every post's address is known (`resolve`) to a
//! `/media/` URL with the file's version, another post's public URL with its anchor, or left
//! as written; the HTML is rewritten to match (`rewrite`), local images get their size, and
//! what is broken becomes a warning.
//!
//! Media files are read before posts, so a URL naming one is written into the HTML as the post
//! renders, in the same pass that finds them ([`find`]), before its body is packed: a post that shows only its own images
//! is packed once, and only links to other posts wait for resolution. What this relies on: a
//! post whose HTML was written with a file is read again when that file changes or goes
//! (`reload::library`, by the file's hash in `LocalRef::written`); guarded by
//! `tests/api/links.rs::a_replaced_image_updates_only_the_posts_that_show_it` and
//! `an_image_added_after_its_post_is_shown_and_one_removed_is_left_as_written_and_reported`.
//!
//! Resolution runs after each load, yet a post is rewritten only when what its HTML depends on
//! changed (the targets' URLs, versions and sizes, summed up in a key): otherwise the post
//! served before is served again, the very same `Arc`, so a reload tells an unchanged post
//! from an updated one by pointer as it does for files not read again (the invariant
//! `reload::library` states; guarded by
//! `tests/api/links.rs::a_replaced_image_updates_only_the_posts_that_show_it`).

mod extract;
mod resolve;
mod rewrite;
mod selectors;
mod url;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

use crate::domain::{Loaded, MediaIndex, Post, Problem, Resolved};

pub use extract::{Found, MediaUrls, find};
pub use resolve::{Site, Target, UrlRules, media_target};
pub use url::is_local;

/// A post as served: its HTML rewritten and its links resolved, with what that depended on.
#[derive(Debug, Clone)]
struct Served {
    /// The post as parsed, before resolution.
    parsed: Arc<Post>,
    /// The hash of what its HTML depends on.
    key: u64,
    /// The post as served.
    served: Arc<Post>,
}

/// Resolves the local URLs of every post of a load, and remembers each post as served so the
/// next load serves it again unchanged when nothing it points to changed.
#[derive(Debug, Default)]
pub struct Links {
    rules: UrlRules,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// By file path.
    served: HashMap<String, Served>,
    /// The site of the last load, for resolving a saved post alone.
    site: Arc<Site>,
}

impl Links {
    /// Resolution with these public URLs.
    pub fn new(rules: UrlRules) -> Links {
        Links {
            rules,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A finished load with every post's local URLs resolved against its posts and `media`,
    /// and the problems that found added in path and line order.
    pub fn finish(&self, loaded: Loaded, media: Arc<MediaIndex>) -> Loaded {
        let Loaded {
            posts,
            mut problems,
            ..
        } = loaded;
        let site = Arc::new(Site {
            posts: posts
                .iter()
                .map(|post| (post.source_path.clone(), Arc::clone(post)))
                .collect(),
            media: Arc::clone(&media),
            rules: self.rules.clone(),
        });
        let known = std::mem::take(&mut self.state().served);
        let done: Vec<(Arc<Post>, Option<Served>, Vec<Problem>)> = posts
            .into_par_iter()
            .map(|post| {
                let before = known.get(&post.source_path);
                serve(post, before, &site)
            })
            .collect();
        let mut served = HashMap::with_capacity(done.len());
        let mut posts = Vec::with_capacity(done.len());
        for (post, entry, found) in done {
            if let Some(entry) = entry {
                served.insert(post.source_path.clone(), entry);
            }
            posts.push(post);
            problems.extend(found);
        }
        problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        let mut state = self.state();
        state.served = served;
        state.site = site;
        Loaded {
            media,
            posts,
            problems,
        }
    }

    /// The post served for `parsed` (the file at `path` as last parsed): the one resolution
    /// made from it, or itself when it had nothing to resolve.
    pub fn served(&self, path: &str, parsed: &Arc<Post>) -> Arc<Post> {
        match self.state().served.get(path) {
            Some(entry) if Arc::ptr_eq(&entry.parsed, parsed) => Arc::clone(&entry.served),
            _ => Arc::clone(parsed),
        }
    }

    /// A saved post resolved against the site of the last load, with its problems; `None`
    /// when the save changed its anchors (another post's link to one may break or mend, so
    /// the whole load must be resolved again) or no load was resolved yet.
    pub fn saved(&self, before: &Post, after: Arc<Post>) -> Option<(Arc<Post>, Vec<Problem>)> {
        if before.anchors != after.anchors || before.slug != after.slug {
            return None;
        }
        let site = Arc::clone(&self.state().site);
        // A post with local URLs is resolved against the last load, which must know it.
        if !after.refs.is_empty() && !site.posts.contains_key(&after.source_path) {
            return None;
        }
        let path = after.source_path.clone();
        let (post, entry, problems) = serve(after, None, &site);
        let mut state = self.state();
        match entry {
            Some(entry) => state.served.insert(path, entry),
            None => state.served.remove(&path),
        };
        Some((post, problems))
    }
}

/// One post resolved: the post to serve (the one served `before` when its key is unchanged),
/// what to remember of it, and its problems.
fn serve(
    post: Arc<Post>,
    before: Option<&Served>,
    site: &Site,
) -> (Arc<Post>, Option<Served>, Vec<Problem>) {
    if post.refs.is_empty() {
        return (post, None, Vec::new());
    }
    let resolution = resolve::resolve(&post, site);
    if let Some(before) = before
        && Arc::ptr_eq(&before.parsed, &post)
        && before.key == resolution.key
        && before.served.resolved == resolution.resolved
    {
        return (
            Arc::clone(&before.served),
            Some(before.clone()),
            resolution.problems,
        );
    }
    if resolution.rewrites.is_empty() && resolution.resolved == Resolved::default() {
        return (post, None, resolution.problems);
    }
    let mut served = (*post).clone();
    if !resolution.rewrites.is_empty() {
        let html = rewrite::rewrite(&post.body.html(), &resolution.rewrites);
        served.body = post.body.with_html(&html);
    }
    // A post shows its images: a replaced image is a change to the post, for `Last-Modified`.
    let shown = resolution.resolved.images.iter().map(|image| &image.file);
    served.modified = shown
        .chain(&resolution.resolved.featured)
        .filter_map(|file| file.modified)
        .chain(post.modified)
        .max();
    served.resolved = resolution.resolved;
    let served = Arc::new(served);
    let entry = Served {
        parsed: post,
        key: resolution.key,
        served: Arc::clone(&served),
    };
    (served, Some(entry), resolution.problems)
}
