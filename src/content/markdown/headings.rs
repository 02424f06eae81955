//! Heading ids: every heading gets one, unique in its post, from its explicit id or a slug of
//! its text, so links to a section and the table of contents agree.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::text::{collapse_whitespace, plain_text};

/// Id used for a heading whose text gives an empty slug.
const FALLBACK_HEADING_ID: &str = "section";

/// A heading found in the document, in order, with its final id.
pub(super) struct Heading {
    pub(super) level: u8,
    pub(super) id: String,
    pub(super) text: String,
}

/// Gives every heading a unique id (explicit `{#id}` first, else a slug of its text) and returns the headings in order.
pub(super) fn assign_heading_ids(events: &mut [Event<'_>]) -> Vec<Heading> {
    let mut found = Vec::new();
    let mut index = 0;
    while index < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[index] else {
            index += 1;
            continue;
        };
        let end = events[index + 1..]
            .iter()
            .position(|event| matches!(event, Event::End(TagEnd::Heading(_))))
            .map_or(events.len(), |offset| index + 1 + offset);
        let text = collapse_whitespace(&plain_text(&events[index + 1..end]));
        let explicit = id.as_ref().map(|id| id.to_string());
        found.push((index, *level as u8, explicit, text));
        index = end;
    }
    let wanted: Vec<(Option<&str>, &str)> = found
        .iter()
        .map(|(_, _, explicit, text)| (explicit.as_deref(), text.as_str()))
        .collect();
    let ids = choose_ids(&wanted);
    found
        .into_iter()
        .zip(ids)
        .map(|((index, level, _, text), id)| {
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[index] {
                *slot = Some(CowStr::from(id.clone()));
            }
            Heading { level, id, text }
        })
        .collect()
}

/// Chooses a unique id for each heading, given its explicit id (if any) and its text: the
/// explicit id first (numbered if an earlier heading took it), else a slug of the text that
/// steps around every explicit id, wherever it appears.
pub(super) fn choose_ids(headings: &[(Option<&str>, &str)]) -> Vec<String> {
    let reserved: HashSet<String> = headings
        .iter()
        .filter_map(|(explicit, _)| explicit.filter(|id| !id.is_empty()))
        .map(str::to_owned)
        .collect();
    let mut used: HashSet<String> = HashSet::new();
    // The number each base's search for a free `base-N` resumes from: the ones before it are
    // taken for good, so many headings with one title do not each count up from 1.
    let mut next_number: HashMap<String, usize> = HashMap::new();
    headings
        .iter()
        .map(|(explicit, text)| {
            let id = match explicit.filter(|id| !id.is_empty()) {
                Some(explicit) if !used.contains(explicit) => explicit.to_owned(),
                Some(explicit) => unique_id(explicit, &used, &reserved, &mut next_number),
                None => {
                    let slug = slug::slugify(text);
                    let base = if slug.is_empty() {
                        FALLBACK_HEADING_ID
                    } else {
                        slug.as_str()
                    };
                    unique_id(base, &used, &reserved, &mut next_number)
                }
            };
            used.insert(id.clone());
            id
        })
        .collect()
}

/// Returns `base`, or `base-1`, `base-2`, ... : the first one neither used nor reserved.
fn unique_id(
    base: &str,
    used: &HashSet<String>,
    reserved: &HashSet<String>,
    next_number: &mut HashMap<String, usize>,
) -> String {
    let free = |candidate: &str| !used.contains(candidate) && !reserved.contains(candidate);
    if free(base) {
        return base.to_string();
    }
    let n = next_number.entry(base.to_owned()).or_insert(1);
    loop {
        let candidate = format!("{base}-{n}");
        *n += 1;
        if free(&candidate) {
            return candidate;
        }
    }
}
