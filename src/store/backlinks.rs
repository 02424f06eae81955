//! Which posts link to which: for each post, the posts whose resolved links point to it, with
//! the anchors they point to, so "mentioned in" is one lookup. Built from the posts' resolved
//! links whenever a store is made; a save that changes no post's links shares the last one.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::{Position, Store};
use crate::domain::{Post, Slug};

/// A post that links, by slug, with the anchors it points to (`None` for the top).
type Source = (Slug, Vec<Option<String>>);

/// For each linked slug, each post linking to it, in the store's date order.
#[derive(Debug, Default)]
pub(super) struct Backlinks {
    by_target: HashMap<Slug, Vec<Source>>,
}

impl Backlinks {
    /// The links of `posts`, which are in the store's order.
    pub(super) fn of(posts: &[Arc<Post>]) -> Backlinks {
        let mut by_target: HashMap<Slug, Vec<Source>> = HashMap::new();
        for post in posts {
            for link in &post.resolved.links {
                if link.slug == post.slug {
                    continue;
                }
                let sources = by_target.entry(link.slug.clone()).or_default();
                match sources.last_mut() {
                    Some((source, anchors)) if *source == post.slug => {
                        anchors.push(link.anchor.clone())
                    }
                    _ => sources.push((post.slug.clone(), vec![link.anchor.clone()])),
                }
            }
        }
        Backlinks { by_target }
    }
}

/// A post that links to another, with the anchors it links to.
#[derive(Debug)]
pub struct Backlink<'a> {
    /// The post that links.
    pub post: &'a Arc<Post>,
    /// The anchors it links to, in the order written; `None` for a link to the top.
    pub anchors: &'a [Option<String>],
}

impl Store {
    /// The posts published at `now` that link to the post at `slug`, newest first.
    pub fn backlinks(&self, slug: &Slug, now: Timestamp) -> Vec<Backlink<'_>> {
        let Some(sources) = self.backlinks.by_target.get(slug) else {
            return Vec::new();
        };
        let mut found: Vec<(Position, Backlink<'_>)> = sources
            .iter()
            .filter_map(|(source, anchors)| {
                let position = *self.order.by_slug.get(source.as_str())?;
                self.order.windows[position as usize].is_open(now).then(|| {
                    let backlink = Backlink {
                        post: &self.posts[position as usize],
                        anchors,
                    };
                    (position, backlink)
                })
            })
            .collect();
        // Positions are in date order, newest first.
        found.sort_by_key(|(position, _)| *position);
        found.into_iter().map(|(_, backlink)| backlink).collect()
    }
}
