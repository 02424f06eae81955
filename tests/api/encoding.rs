//! Text garbled by a wrong encoding is repaired; valid text in any script never is.

use std::path::{Path, PathBuf};

use quire::content::mojibake::repair;
use serde_json::Value;

use crate::helpers::{empty_content_dir, simple_post, spawn_app, write_file};

/// `tests/fixtures/encoding`, the encoding fixtures.
fn encoding_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/encoding")
        .join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// The lines of `text` that `repair` would change, with their line numbers.
fn repaired_lines(text: &str) -> Vec<(usize, String, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| repair(line).map(|fixed| (index + 1, line.to_owned(), fixed)))
        .collect()
}

fn problems(body: &Value) -> &Vec<Value> {
    body["data"].as_array().expect("`data` is a list")
}

#[test]
fn valid_text_in_many_scripts_is_served_unchanged_and_without_warnings() {
    let source = read(&encoding_fixture("valid-text-in-many-scripts.md"));
    let dir = empty_content_dir();
    write_file(dir.path(), "valid-text-in-many-scripts.md", &source);
    let app = spawn_app(dir.path());

    let problems_body = app.get_ok_json("/api/v1/problems");
    let post = app.get_ok_json("/api/v1/posts/valid-text-in-many-scripts");
    let markdown = app
        .get("/api/v1/posts/valid-text-in-many-scripts/markdown")
        .body;

    assert!(
        problems(&problems_body).is_empty(),
        "valid text was reported: {problems_body}"
    );
    let body = source
        .splitn(3, "---\n")
        .nth(2)
        .expect("the fixture has front matter");
    assert_eq!(markdown.trim(), body.trim(), "the Markdown body changed");
    assert_eq!(
        post["title"],
        "Valid text in many scripts — «\u{a0}Café\u{a0}» and „Fuß“"
    );
    let html = post["html"].as_str().expect("html is text");
    for phrase in [
        "(T•Ø•R•Ü•S)",
        "ÉTÉ… toujours",
        "SÃO PAULO",
        "CAFÉ™",
        "Ä•Ö•Ü",
    ] {
        assert!(html.contains(phrase), "`{phrase}` is not served as written");
    }
}

#[test]
fn no_line_of_the_valid_text_fixture_is_repaired() {
    let source = read(&encoding_fixture("valid-text-in-many-scripts.md"));

    let repaired = repaired_lines(&source);

    assert!(
        repaired.is_empty(),
        "valid lines were repaired: {repaired:#?}"
    );
}

#[test]
fn no_line_of_real_documentation_pages_is_repaired() {
    let folder = encoding_fixture("corpus-sample");
    let mut pages = 0;
    for entry in std::fs::read_dir(&folder).expect("the corpus sample is readable") {
        let path = entry.expect("a sample entry is readable").path();
        if path.extension().is_none_or(|ext| ext != "md") || path.ends_with("README.md") {
            continue;
        }
        pages += 1;

        let repaired = repaired_lines(&read(&path));

        assert!(
            repaired.is_empty(),
            "{} had valid lines repaired: {repaired:#?}",
            path.display()
        );
    }
    assert_eq!(pages, 3, "every sample page was checked");
}

#[test]
fn garbled_lines_are_repaired_beside_valid_lines_in_the_same_post() {
    let dir = empty_content_dir();
    let body = "Valid: (T•Ø•R•Ü•S), «\u{a0}Café\u{a0}», „Fuß“.\n\n\
                They are valuableâ€”they reveal things.\n\n\
                CafÃ©, sÃ»r, Ã–sterreich, ESPAÃ‘A and â€œquotedâ€\u{9d}.\n\n\
                ÐŸÑ€Ð¸Ð²ÐµÑ‚, Ð¼Ð¸Ñ€ and Î•Î»Î»Î¬Î´Î±.\n\n\
                Emoji: ðŸ˜€ and ðŸ‘\u{8d}.";
    write_file(
        dir.path(),
        "mixed.md",
        simple_post("Mixed", "2025-01-01", body),
    );
    let app = spawn_app(dir.path());

    let markdown = app.get("/api/v1/posts/mixed/markdown").body;
    let problems_body = app.get_ok_json("/api/v1/problems");

    let expected = "Valid: (T•Ø•R•Ü•S), «\u{a0}Café\u{a0}», „Fuß“.\n\n\
                    They are valuable—they reveal things.\n\n\
                    Café, sûr, Österreich, ESPAÑA and “quoted”.\n\n\
                    Привет, мир and Ελλάδα.\n\n\
                    Emoji: 😀 and 👍.";
    assert_eq!(markdown.trim(), expected);
    let problems = problems(&problems_body);
    assert_eq!(problems.len(), 1, "{problems_body}");
    assert_eq!(problems[0]["path"], "mixed.md");
    assert_eq!(problems[0]["severity"], "warning");
    assert_eq!(problems[0]["line"], 8, "the first garbled line is named");
    let message = problems[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("and on 3 more lines"), "{message}");
}
