//! The XML documents: RSS 2.0 and Atom feeds and the sitemap, with only the characters XML
//! allows, so a strict parser reads every one.

use std::sync::Arc;

use atom_syndication::FixedDateTime;
use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{FeedChannel, FeedContent, FeedOptions};
use crate::domain::Post;

/// An RSS 2.0 document of `posts`.
pub fn rss(channel: &FeedChannel, posts: &[&Arc<Post>], options: &FeedOptions) -> String {
    let items: Vec<rss::Item> = posts
        .iter()
        .map(|post| {
            let link = options.post_url(&channel.base_url, post.slug.as_str());
            let categories = post
                .categories
                .iter()
                .chain(&post.tags)
                .map(|term| rss::Category {
                    name: term.name.clone(),
                    domain: None,
                })
                .collect::<Vec<_>>();
            rss::ItemBuilder::default()
                .title(Some(post.title.clone()))
                .link(Some(link.clone()))
                .guid(Some(rss::Guid {
                    value: link,
                    permalink: true,
                }))
                .pub_date(rfc2822(post.date))
                .description(Some(post.excerpt.clone()))
                .content(match options.content {
                    FeedContent::Full => Some(post.body.html()),
                    FeedContent::Summary => None,
                })
                .categories(categories)
                .build()
        })
        .collect();
    let channel = rss::ChannelBuilder::default()
        .title(channel.title.clone())
        .link(channel.home())
        .description(if channel.description.is_empty() {
            channel.title.clone()
        } else {
            channel.description.clone()
        })
        .last_build_date(posts.first().and_then(|p| rfc2822(p.date)))
        .generator(Some(format!("Quire {}", env!("CARGO_PKG_VERSION"))))
        // The feed's own address, which feed validators ask of RSS too (RSS Best Practices).
        .atom_ext(Some(rss::extension::atom::AtomExtension {
            links: vec![atom_syndication::Link {
                href: channel.url("feed.xml"),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Default::default()
            }],
        }))
        .items(items)
        .build();
    // The `rss` writer opens with its own XML declaration; a second one would make the
    // document ill-formed for every strict parser.
    xml_chars_only(channel.to_string())
}

/// An Atom 1.0 document of `posts`.
pub fn atom(channel: &FeedChannel, posts: &[&Arc<Post>], options: &FeedOptions) -> String {
    let entries: Vec<atom_syndication::Entry> = posts
        .iter()
        .map(|post| {
            let link = options.post_url(&channel.base_url, post.slug.as_str());
            let mut entry = atom_syndication::EntryBuilder::default();
            entry
                .id(link.clone())
                .title(post.title.clone())
                .updated(fixed(post.updated.unwrap_or(post.date)))
                .published(Some(fixed(post.date)))
                .authors(
                    post.authors
                        .iter()
                        .map(|a| atom_syndication::Person {
                            name: a.name.clone(),
                            ..Default::default()
                        })
                        .collect::<Vec<_>>(),
                )
                .categories(
                    post.categories
                        .iter()
                        .chain(&post.tags)
                        .map(|t| atom_syndication::Category {
                            term: t.slug.to_string(),
                            scheme: None,
                            label: Some(t.name.clone()),
                        })
                        .collect::<Vec<_>>(),
                )
                .links(vec![atom_syndication::Link {
                    href: link,
                    rel: "alternate".to_owned(),
                    mime_type: Some("text/html".to_owned()),
                    ..Default::default()
                }])
                .summary(Some(atom_syndication::Text::plain(post.excerpt.clone())));
            if options.content == FeedContent::Full {
                entry.content(Some(atom_syndication::Content {
                    value: Some(post.body.html()),
                    content_type: Some("html".to_owned()),
                    ..Default::default()
                }));
            }
            entry.build()
        })
        .collect();
    let updated = posts
        .iter()
        .map(|p| p.updated.unwrap_or(p.date))
        .max()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    // RFC 4287 section 4.1.1: a feed must name an author unless every entry does.
    let feed_authors = if posts.iter().all(|post| !post.authors.is_empty()) {
        Vec::new()
    } else {
        vec![atom_syndication::Person {
            name: channel.author.clone(),
            ..Default::default()
        }]
    };
    let feed = atom_syndication::FeedBuilder::default()
        .id(channel.url("atom.xml"))
        .authors(feed_authors)
        .title(channel.title.clone())
        .subtitle(
            (!channel.description.is_empty())
                .then(|| atom_syndication::Text::plain(channel.description.clone())),
        )
        .updated(fixed(updated))
        .links(vec![
            atom_syndication::Link {
                href: channel.url("atom.xml"),
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..Default::default()
            },
            atom_syndication::Link {
                href: channel.home(),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Default::default()
            },
        ])
        .generator(Some(atom_syndication::Generator {
            value: "Quire".to_owned(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }))
        .entries(entries)
        .build();
    // As with RSS, the writer already opens with the XML declaration.
    xml_chars_only(feed.to_string())
}

/// A sitemap (sitemaps.org 0.9) listing `posts` with their last change.
pub fn sitemap(base_url: &str, posts: &[&Arc<Post>], options: &FeedOptions) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("urlset")
            .with_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"))
            .write_inner_content(|writer| {
                for post in posts {
                    let loc = options.post_url(base_url, post.slug.as_str());
                    let lastmod = post.updated.unwrap_or(post.date).to_string();
                    writer.create_element("url").write_inner_content(|writer| {
                        writer
                            .create_element("loc")
                            .write_text_content(BytesText::new(&loc))?;
                        writer
                            .create_element("lastmod")
                            .write_text_content(BytesText::new(&lastmod))?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
        Ok(())
    })();
    if let Err(err) = written {
        // Writing to a Vec cannot fail; keep the reason if it ever does.
        log::error!("writing the sitemap failed: {err}");
    }
    let mut xml = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    xml.push('\n');
    xml
}

/// `xml` without the characters XML 1.0 forbids even escaped (control characters other than
/// tab, line feed and carriage return; U+FFFE and U+FFFF). Writers escape markup but pass
/// these through, and a post that contains one (a stray form feed or terminal escape pasted
/// into Markdown) would make the whole feed ill-formed. Markup never contains them, so only
/// text loses them.
fn xml_chars_only(mut xml: String) -> String {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if !xml.chars().all(allowed) {
        xml.retain(allowed);
    }
    xml
}

fn rfc2822(instant: Timestamp) -> Option<String> {
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_string(&instant)
        .ok()
}

fn fixed(instant: Timestamp) -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339(&instant.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_characters_xml_allows_are_kept() {
        let text = "a\u{0}b\tc\nd\re\u{7}f\u{B}g\u{C}h\u{1B}i\u{FFFE}j\u{FFFF}k\u{FFFD}l\u{1F600}";

        assert_eq!(
            xml_chars_only(text.to_owned()),
            "ab\tc\nd\refghijk\u{FFFD}l\u{1F600}"
        );
    }
}
