//! The rendered HTML of a post with raw HTML, read back as a tree: `<noscript>` unwrapped
//! before sanitizing, then iframes from other hosts and empty `class` attributes dropped,
//! headings given ids, and the plain text taken from what is really served.

use ego_tree::{NodeId, Tree};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{ParseOpts, QualName, local_name, ns};
use scraper::{ElementRef, Html, HtmlTreeSink, Node};

use super::sanitize::refused_embed_host;
use super::text::{Boundary, TextSink, collapse_whitespace};

/// Parses an HTML fragment as a browser without scripts would (so the content of
/// `<noscript>` is markup, not text), returning it with the element that holds its nodes.
fn parse(html: &str) -> (Html, NodeId) {
    let parsed = parser().one(html);
    let root = parsed.root_element().id();
    (parsed, root)
}

/// The fragment parser [`parse`] uses, before it is given any HTML.
fn parser() -> html5ever::driver::Parser<HtmlTreeSink> {
    let options = ParseOpts {
        tree_builder: TreeBuilderOpts {
            scripting_enabled: false,
            ..TreeBuilderOpts::default()
        },
        ..ParseOpts::default()
    };
    html5ever::parse_fragment(
        HtmlTreeSink::new(Html::new_fragment()),
        options,
        QualName::new(None, ns!(html), local_name!("div")),
        Vec::new(),
        false,
    )
}

/// How many bytes of HTML [`nests_deeper_than`] feeds the parser between depth checks: few
/// enough tags that nesting cannot run far past the limit unseen.
const DEPTH_CHECK_BYTES: usize = 256;

/// Whether `html` nests elements more than `limit` deep once parsed, as unclosed tags or
/// deeply quoted Markdown do. The HTML parser checks its stack of open elements at every tag,
/// so a deep stack makes parsing slow in proportion to depth times size; here the HTML is fed
/// in small pieces and the parse stopped soon after the limit is passed.
pub(super) fn nests_deeper_than(html: &str, limit: usize) -> bool {
    // Fewer tags than the limit cannot nest past it: most bodies end here.
    let tags = html
        .as_bytes()
        .windows(2)
        .filter(|pair| pair[0] == b'<' && pair[1].is_ascii_alphabetic())
        .count();
    if tags <= limit {
        return false;
    }
    let mut parser = parser();
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = DEPTH_CHECK_BYTES.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        parser.process(StrTendril::from_slice(&rest[..cut]));
        rest = &rest[cut..];
        // The newest node is where the parser is inserting: its ancestors are the open stack.
        let parsed = parser.tokenizer.sink.sink.0.borrow();
        let depth = parsed
            .tree
            .nodes()
            .next_back()
            .map_or(0, |node| node.ancestors().count());
        if depth > limit {
            return true;
        }
    }
    false
}

/// Serializes the children of `root`.
fn serialize_children(parsed: &Html, root: NodeId) -> String {
    parsed
        .tree
        .get(root)
        .and_then(ElementRef::wrap)
        .map(|root| root.inner_html())
        .unwrap_or_default()
}

/// The value of an attribute of an element node.
fn attribute<'t>(tree: &'t Tree<Node>, id: NodeId, wanted: &str) -> Option<&'t str> {
    tree.get(id)?.value().as_element()?.attr(wanted)
}

/// The ids of a node's children, in order.
fn children(tree: &Tree<Node>, id: NodeId) -> Vec<NodeId> {
    tree.get(id)
        .map(|node| node.children().map(|child| child.id()).collect())
        .unwrap_or_default()
}

/// Replaces every `<noscript>` element by its content, so the sanitizer (which reads
/// `<noscript>` as a browser running scripts does, as text) keeps the images inside as images.
pub(super) fn unwrap_noscript(html: &str) -> String {
    let (mut parsed, root) = parse(html);
    let tree = &mut parsed.tree;
    let noscripts: Vec<NodeId> = tree
        .nodes()
        .filter(|node| {
            node.value()
                .as_element()
                .is_some_and(|e| e.name() == "noscript")
        })
        .map(|node| node.id())
        .collect();
    for noscript in noscripts {
        for child in children(tree, noscript) {
            if let Some(mut node) = tree.get_mut(noscript) {
                node.insert_id_before(child);
            }
        }
        if let Some(mut node) = tree.get_mut(noscript) {
            node.detach();
        }
    }
    serialize_children(&parsed, root)
}

/// A heading found in the served HTML, in document order.
pub(super) struct DomHeading {
    /// 1 to 6.
    pub level: u8,
    /// The `id` the heading already has, if any.
    pub explicit_id: Option<String>,
    /// The heading's text, whitespace collapsed.
    pub text: String,
    node: NodeId,
}

/// A rendered body read back: its headings, its plain text, and the tree to write out once
/// the headings have their ids.
pub(super) struct Served {
    parsed: Html,
    root: NodeId,
    /// The headings, in order.
    pub headings: Vec<DomHeading>,
    /// Plain text, blocks on their own lines.
    pub text: String,
}

/// Reads rendered (and, unless trusted, sanitized) HTML: drops iframes whose host is not an
/// allowed embed host (when `embed_hosts` is given) and empty `class` attributes, and collects
/// the headings and plain text.
pub(super) fn read(html: &str, embed_hosts: Option<&[String]>) -> Served {
    let (mut parsed, root) = parse(html);
    let mut reader = Reader {
        embed_hosts,
        headings: Vec::new(),
        sink: TextSink { out: String::new() },
        pre_depth: 0,
    };
    reader.children(&mut parsed.tree, root);
    Served {
        parsed,
        root,
        headings: reader.headings,
        text: reader.sink.out.trim().to_owned(),
    }
}

impl Served {
    /// Writes the HTML out with the given heading ids (one per heading, in order).
    pub(super) fn into_html(mut self, ids: &[String]) -> String {
        for (heading, id) in self.headings.iter().zip(ids) {
            if let Some(mut node) = self.parsed.tree.get_mut(heading.node)
                && let Node::Element(element) = node.value()
            {
                element.attrs.retain(|name, _| &*name.local != "id");
                element.attrs.shift_insert(
                    0,
                    QualName::new(None, ns!(), local_name!("id")),
                    StrTendril::from_slice(id),
                );
            }
        }
        serialize_children(&self.parsed, self.root)
    }
}

/// Walks the tree once, editing it and collecting text and headings.
struct Reader<'h> {
    embed_hosts: Option<&'h [String]>,
    headings: Vec<DomHeading>,
    sink: TextSink,
    /// How many `<pre>` elements enclose the current node: their whitespace is kept.
    pre_depth: usize,
}

impl Reader<'_> {
    fn children(&mut self, tree: &mut Tree<Node>, id: NodeId) {
        for child in children(tree, id) {
            if !self.visit(tree, child)
                && let Some(mut node) = tree.get_mut(child)
            {
                node.detach();
            }
        }
    }

    /// Visits one node; false when it is to be removed.
    fn visit(&mut self, tree: &mut Tree<Node>, id: NodeId) -> bool {
        let name = match tree.get(id).map(|node| node.value()) {
            Some(Node::Text(text)) => {
                let text = text.text.clone();
                self.text(&text);
                return true;
            }
            Some(Node::Element(element)) => element.name().to_owned(),
            _ => return true,
        };
        let name = name.as_str();
        if name == "iframe"
            && let Some(hosts) = self.embed_hosts
            && refused_embed_host(attribute(tree, id, "src"), hosts).is_some()
        {
            return false;
        }
        if let Some(mut node) = tree.get_mut(id)
            && let Node::Element(element) = node.value()
        {
            element
                .attrs
                .retain(|attr, value| !(&*attr.local == "class" && value.trim().is_empty()));
        }
        let class = attribute(tree, id, "class").unwrap_or_default();
        // Footnote numbers, scripts and styles are not text of the post.
        let skip_text = matches!(name, "script" | "style" | "template")
            || (name == "sup"
                && (class.contains("footnote-reference")
                    || class.contains("footnote-definition-label")));
        let boundary = boundary_of(name);
        let level = match name {
            "h1" => Some(1),
            "h2" => Some(2),
            "h3" => Some(3),
            "h4" => Some(4),
            "h5" => Some(5),
            "h6" => Some(6),
            _ => None,
        };
        self.sink.separate(boundary);
        if skip_text {
            // Still walked, so the elements inside are checked too; the text is dropped.
            let saved = std::mem::take(&mut self.sink.out);
            self.children(tree, id);
            self.sink.out = saved;
        } else if let Some(level) = level {
            let start = self.sink.out.len();
            self.children(tree, id);
            let text = collapse_whitespace(&self.sink.out[start..]);
            self.headings.push(DomHeading {
                level,
                explicit_id: attribute(tree, id, "id")
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned),
                text,
                node: id,
            });
        } else {
            let pre = name == "pre";
            self.pre_depth += usize::from(pre);
            self.children(tree, id);
            self.pre_depth -= usize::from(pre);
        }
        if name == "br" {
            self.sink.newline();
        }
        self.sink.separate(boundary);
        true
    }

    /// Adds text, with runs of whitespace outside `<pre>` read as one space.
    fn text(&mut self, text: &str) {
        if self.pre_depth > 0 {
            self.sink.out.push_str(text);
            return;
        }
        for (index, word) in text.split_ascii_whitespace().enumerate() {
            if index > 0 || text.starts_with(|c: char| c.is_ascii_whitespace()) {
                self.sink.space();
            }
            self.sink.out.push_str(word);
        }
        if text.ends_with(|c: char| c.is_ascii_whitespace()) {
            self.sink.space();
        }
    }
}

/// What separates an element's text from its neighbours.
fn boundary_of(name: &str) -> Boundary {
    match name {
        "td" | "th" => Boundary::Cell,
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "pre" | "ul" | "ol"
        | "li" | "dl" | "dt" | "dd" | "table" | "thead" | "tbody" | "tfoot" | "tr" | "caption"
        | "div" | "figure" | "figcaption" | "section" | "article" | "aside" | "header"
        | "footer" | "nav" | "main" | "address" | "details" | "summary" | "hr" | "picture"
        | "video" | "audio" | "iframe" | "hgroup" | "center" => Boundary::Block,
        _ => Boundary::None,
    }
}
