//! Visibility over time: the epochs between the instants at which a post goes live or expires,
//! what the public has seen change, and which problems the public may read.
//!
//! One answer is remembered inside the otherwise immutable store: the newest modification time
//! of the published posts, keyed by epoch because the published set is the same for a whole
//! epoch (guarded by `saving_hidden_posts_moves_no_public_etag_or_last_modified` and
//! `last_modified_is_the_post_file_time_and_for_lists_the_newest_file` in tests/api).

use std::sync::Arc;

use jiff::Timestamp;

use super::Store;
use crate::domain::{Post, Problem};

impl Store {
    /// Which stretch between two visibility changes `now` falls in: how many changes have
    /// passed. Between two changes every list, count and neighbour is the same, so responses
    /// are cached per (generation, epoch).
    pub fn visibility_epoch(&self, now: Timestamp) -> usize {
        self.order
            .visibility_changes
            .partition_point(|&change| change <= now)
    }

    /// [`Store::visibility_epoch`] and the next instant after `now` at which a post goes live
    /// or expires, if any.
    pub fn visibility_at(&self, now: Timestamp) -> (usize, Option<Timestamp>) {
        let epoch = self.visibility_epoch(now);
        (epoch, self.order.visibility_changes.get(epoch).copied())
    }

    /// The next instant after `now` at which a post goes live or expires, if any.
    pub fn next_change_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.visibility_at(now).1
    }

    /// The last instant at or before `now` at which a post went live or expired, if any.
    pub fn last_change_at_or_before(&self, now: Timestamp) -> Option<Timestamp> {
        self.visibility_epoch(now)
            .checked_sub(1)
            .map(|index| self.order.visibility_changes[index])
    }

    /// The newest modification time among the files of the posts published at `now`; drafts,
    /// scheduled and expired posts do not count, so saving one moves no public
    /// `Last-Modified`. Worked out once per visibility epoch.
    pub fn newest_modified(&self, now: Timestamp) -> Option<Timestamp> {
        let epoch = self.visibility_epoch(now);
        if let Some(cached) = self.published_modified.load().as_deref()
            && cached.0 == epoch
        {
            return cached.1;
        }
        let newest = self
            .posts
            .iter()
            .zip(&self.order.windows)
            .filter(|(_, window)| window.is_open(now))
            .filter_map(|(post, _)| post.modified)
            .max();
        self.published_modified
            .store(Some(Arc::new((epoch, newest))));
        newest
    }

    /// The public version: how many reloads so far changed what the public can read (1 at
    /// start-up). Reloads that touch only drafts, scheduled or expired posts keep the old one,
    /// so no public answer tells them (see [`Store::next`]).
    pub fn public_generation(&self) -> u64 {
        self.public_version.0
    }

    /// When the public version last changed: start-up, or the latest reload that changed
    /// what the public can read.
    pub fn public_changed_at(&self) -> Timestamp {
        self.public_version.1
    }

    /// The problems of the files whose posts are published at `now`: the only ones the
    /// public may see, since any other names a draft, a scheduled post or a file that
    /// serves nothing.
    pub fn public_problems(&self, now: Timestamp) -> Vec<&Problem> {
        if self.problems.is_empty() {
            return Vec::new();
        }
        let published: std::collections::HashSet<&str> = self
            .posts
            .iter()
            .zip(&self.order.windows)
            .filter(|(_, window)| window.is_open(now))
            .map(|(post, _)| post.source_path.as_str())
            .collect();
        self.problems
            .iter()
            .filter(|problem| published.contains(problem.path.as_str()))
            .collect()
    }

    /// Whether what the public can read at `now` differs from `earlier`: a published post
    /// came, went or was re-read (unchanged files share the very same `Arc<Post>`), or the
    /// problems the public may see changed.
    pub(super) fn public_differs_from(&self, earlier: &Store, now: Timestamp) -> bool {
        let mut published = 0;
        for post in self.published_posts(now) {
            published += 1;
            // The same `Arc` is the same post, so it was published at `now` before too.
            let unchanged = earlier
                .post_by_slug(post.slug.as_str())
                .is_some_and(|before| Arc::ptr_eq(before, post));
            if !unchanged {
                return true;
            }
        }
        // Every post published now was published before; any other went.
        published != earlier.published_posts(now).count()
            || earlier.public_problems(now) != self.public_problems(now)
    }

    /// The posts published at `now`, newest first.
    fn published_posts(&self, now: Timestamp) -> impl Iterator<Item = &Arc<Post>> {
        self.posts
            .iter()
            .zip(&self.order.windows)
            .filter(move |(_, window)| window.is_open(now))
            .map(|(post, _)| post)
    }

    #[cfg(test)]
    pub(super) fn visibility_changes_for_tests(&self) -> &[Timestamp] {
        &self.order.visibility_changes
    }
}
