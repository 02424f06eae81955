//! Unit tests of splitting and parsing front matter.

use super::*;

#[test]
fn yaml_front_matter_is_split_from_the_body() {
    let split = split("---\ntitle: Hi\n---\n\nBody\n").unwrap();
    assert_eq!(split.format, Format::Yaml);
    assert_eq!(split.front_matter, "title: Hi\n");
    assert_eq!(split.body, "\nBody\n");
}

#[test]
fn toml_front_matter_is_split_and_parsed() {
    let split = split("+++\ntitle = \"Hi\"\ndate = 2025-02-15\n+++\nBody").unwrap();
    assert_eq!(split.format, Format::Toml);
    let map = parse(&split).unwrap();
    assert_eq!(map["title"], "Hi");
    assert_eq!(map["date"], "2025-02-15");
    assert_eq!(split.body, "Body");
}

#[test]
fn a_file_without_front_matter_is_refused_on_line_one() {
    let err = split("# Just markdown\n").unwrap_err();
    assert_eq!(err.line, 1);
    assert!(err.message.contains("no front matter"));
}

#[test]
fn unclosed_front_matter_is_refused() {
    let err = split("---\ntitle: Hi\n\nBody").unwrap_err();
    assert!(err.message.contains("never closed"), "{}", err.message);
}

#[test]
fn yaml_errors_point_at_the_line_in_the_file() {
    let source = "---\ntitle: Hi\ndate: 2025-01-01\ntags: [a, b\n---\nBody";
    let err = parse(&split(source).unwrap()).unwrap_err();
    assert!(
        err.line >= 4,
        "line {} should be at or after the broken tags line",
        err.line
    );
    assert!(
        err.message
            .starts_with("the front matter is not valid YAML"),
        "{}",
        err.message
    );
    assert!(!err.message.contains(" at line "), "{}", err.message);
}

#[test]
fn toml_errors_point_at_the_line_in_the_file() {
    let source = "+++\ntitle = \"Hi\"\ndate = \n+++\n";
    let err = parse(&split(source).unwrap()).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(err.column.is_some());
}

#[test]
fn front_matter_that_is_not_a_mapping_is_refused() {
    let err = parse(&split("---\n- a\n- b\n---\n").unwrap()).unwrap_err();
    assert!(err.message.contains("key: value"));
}

#[test]
fn key_lines_are_found_for_yaml_and_toml() {
    let yaml = split("---\ntitle: Hi\ndate: x\n---\n").unwrap();
    assert_eq!(key_line(&yaml, &["date"]), 3);
    let toml = split("+++\ntitle = \"Hi\"\n\"date\" = 1\n+++\n").unwrap();
    assert_eq!(key_line(&toml, &["date"]), 3);
    assert_eq!(key_line(&yaml, &["missing"]), 1);
}

fn nested(depth: usize) -> String {
    format!("{}\"a\"{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn flow_nesting_past_the_limit_is_refused_naming_the_field_line_and_limit() {
    let source = format!("---\ntitle: Hi\nmatrix: {}\n---\n", nested(100_000));
    let err = parse(&split(&source).unwrap()).unwrap_err();
    assert_eq!((err.line, err.column), (3, Some(9 + MAX_DEPTH)));
    assert!(err.message.starts_with("`matrix` nests"), "{}", err.message);
    assert!(err.message.contains("32 levels"), "{}", err.message);
}

#[test]
fn nesting_up_to_the_limit_is_read_and_one_more_is_refused() {
    for (format, value) in [
        ("---\nx: ", nested(MAX_DEPTH)),
        ("+++\nx = ", nested(MAX_DEPTH)),
    ] {
        let fence = &format[..3];
        let at_limit = format!("{format}{value}\n{fence}\n");
        assert!(parse(&split(&at_limit).unwrap()).is_ok(), "{at_limit}");
        let past = format!("{format}[{value}]\n{fence}\n");
        let err = parse(&split(&past).unwrap()).unwrap_err();
        assert!(err.message.starts_with("`x` nests"), "{}", err.message);
    }
    let block = |depth: usize| {
        let mut text = String::from("---\nx:\n");
        for level in 0..depth {
            text.push_str(&"  ".repeat(level));
            text.push_str("- \n");
        }
        text.pop();
        text.push_str("a\n---\n");
        text
    };
    assert!(parse(&split(&block(MAX_DEPTH)).unwrap()).is_ok());
    let err = parse(&split(&block(MAX_DEPTH + 1)).unwrap()).unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.message.starts_with("`x` nests"), "{}", err.message);
    let err = parse(&split(&block(500)).unwrap()).unwrap_err();
    assert!(err.message.starts_with("`x` nests"), "{}", err.message);
}

#[test]
fn brackets_in_text_comments_and_block_scalars_are_not_nesting() {
    let deep = "[".repeat(MAX_DEPTH + 8);
    let source = format!(
        "---\ntitle: \"{deep}\"\nnote: '{deep}'\nplain: a{deep}\n# {deep}\ncode: |\n  {deep}\n    {deep}\nfolded: >-\n  {deep}\nafter: [x]\nlist:\n- k: |\n    {deep}\n  j: b\n---\n"
    );
    let map = parse(&split(&source).unwrap()).unwrap();
    assert_eq!(map["code"], format!("{deep}\n  {deep}\n"));
    assert_eq!(map["after"][0], "x");
    assert_eq!(map["list"][0]["j"], "b");
}

#[test]
fn nesting_after_a_quote_inside_plain_text_is_still_counted() {
    // The quote continues a plain scalar, so the YAML scanner reads the brackets after it.
    let source = format!(
        "---\na: plain\n  \"x\nb: {}\n\"\n---\n",
        nested(MAX_DEPTH + 1)
    );
    let err = parse(&split(&source).unwrap()).unwrap_err();
    assert!(err.message.starts_with("`b` nests"), "{}", err.message);
    // A block scalar ends at a line indented less than its content.
    let source = format!(
        "---\nlist:\n- k: |\n    text\n  x: {}\n---\n",
        nested(MAX_DEPTH + 1)
    );
    let err = parse(&split(&source).unwrap()).unwrap_err();
    assert_eq!(err.line, 5);
}
