//! Which slugs two stores differ by: every post, for the indexes that follow the content, or
//! only what the public could read at each store's instant, for the events and the webhook.
//! A post counts as updated when the new store holds another `Arc<Post>` for its slug: it
//! relies on the library handing the next store the very `Arc` of every file it did not read
//! again (see `library`), and is guarded by
//! `a_post_whose_file_was_not_read_again_is_not_named_updated` and, for the public side, by
//! the API test `the_event_stream_names_the_slugs_each_reload_changed`.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::Post;
use crate::store::Store;

/// The slugs created, updated and deleted between two stores, each list sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Changes {
    pub(super) created: Vec<String>,
    pub(super) updated: Vec<String>,
    pub(super) deleted: Vec<String>,
}

impl Changes {
    /// Compares by slug; a post is updated when the new store holds a different parse of it
    /// (unchanged files share the very same `Arc<Post>`).
    pub(super) fn between(old: &Store, new: &Store) -> Changes {
        let index = |store: &Store| -> HashMap<String, Arc<Post>> {
            store
                .all_posts()
                .iter()
                .map(|post| (post.slug.to_string(), Arc::clone(post)))
                .collect()
        };
        let before = index(old);
        let after = index(new);
        let mut changes = Changes::default();
        for (slug, post) in &after {
            match before.get(slug) {
                None => changes.created.push(slug.clone()),
                Some(previous) if !Arc::ptr_eq(previous, post) => {
                    changes.updated.push(slug.clone())
                }
                Some(_) => {}
            }
        }
        changes.deleted = before
            .keys()
            .filter(|slug| !after.contains_key(*slug))
            .cloned()
            .collect();
        changes.created.sort();
        changes.updated.sort();
        changes.deleted.sort();
        changes
    }

    /// What the public saw change from `old` at `then` to `new` at `now`: a post published
    /// only on one side is created or deleted, and one published on both sides is updated
    /// when its file was read again. Drafts, scheduled and expired posts are never named.
    pub(super) fn public(old: &Store, then: Timestamp, new: &Store, now: Timestamp) -> Changes {
        let visible = |store: &Store, slug: &str, at: Timestamp| {
            store
                .post_by_slug(slug)
                .filter(|post| post.is_published(at))
                .cloned()
        };
        let mut changes = Changes::default();
        for post in new.all_posts().iter().filter(|post| post.is_published(now)) {
            match visible(old, post.slug.as_str(), then) {
                None => changes.created.push(post.slug.to_string()),
                Some(previous) if !Arc::ptr_eq(&previous, post) => {
                    changes.updated.push(post.slug.to_string())
                }
                Some(_) => {}
            }
        }
        for post in old
            .all_posts()
            .iter()
            .filter(|post| post.is_published(then))
        {
            if visible(new, post.slug.as_str(), now).is_none() {
                changes.deleted.push(post.slug.to_string());
            }
        }
        changes.created.sort();
        changes.updated.sort();
        changes.deleted.sort();
        changes
    }

    pub(super) fn is_empty(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }
}
