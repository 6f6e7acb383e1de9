//! Every catalog key a template or handler uses exists (in both languages: the catalog is
//! one table of key, English, French).

use std::path::Path;

use keyward::i18n::CATALOG;

fn visit(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            visit(&path, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((path.display().to_string(), text));
        }
    }
}

/// Literal keys passed to `t("…")` in templates, and `"section.key"` strings in the code.
fn keys_in(text: &str, templates: bool) -> Vec<String> {
    let mut keys = Vec::new();
    let pattern = if templates { "t(\"" } else { "\"" };
    for piece in text.split(pattern).skip(1) {
        let Some(end) = piece.find('"') else { continue };
        let candidate = &piece[..end];
        let looks_like_key = candidate.contains('.')
            && candidate.split('.').count() == 2
            && candidate
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
            && [
                "app",
                "nav",
                "lang",
                "common",
                "setup",
                "login",
                "account",
                "operators",
                "operator",
                "api",
                "secret",
                "error",
                "perm",
            ]
            .contains(&candidate.split('.').next().unwrap_or(""));
        if looks_like_key {
            keys.push(candidate.to_owned());
        }
    }
    keys
}

#[test]
fn every_key_used_exists_in_the_catalog() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    visit(&root.join("templates"), &mut files);
    let template_count = files.len();
    visit(&root.join("src"), &mut files);
    let mut checked = 0;
    for (index, (path, text)) in files.iter().enumerate() {
        for key in keys_in(text, index < template_count) {
            assert!(
                CATALOG.contains_key(key.as_str()),
                "{path} uses {key}, which is not in the catalog"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 100,
        "the scan found only {checked} keys: is it still reading the templates?"
    );
}
