//! Building a post's table of contents ([`TocEntry`], a domain value): its headings nested by level.

use super::headings::Heading;
use crate::domain::TocEntry;

/// Nests headings: each becomes a child of the nearest preceding heading with a smaller level.
pub(super) fn build_toc(headings: &[Heading]) -> Vec<TocEntry> {
    let mut position = 0;
    build_toc_level(headings, &mut position, 0)
}

/// Collects the entries that follow `position` with a level deeper than `parent_level`.
fn build_toc_level(headings: &[Heading], position: &mut usize, parent_level: u8) -> Vec<TocEntry> {
    let mut entries = Vec::new();
    while let Some(heading) = headings.get(*position) {
        if heading.level <= parent_level {
            break;
        }
        *position += 1;
        let children = build_toc_level(headings, position, heading.level);
        entries.push(TocEntry {
            level: heading.level,
            id: heading.id.clone(),
            text: heading.text.clone(),
            children,
        });
    }
    entries
}
