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
    let candidates: Vec<&str> = if templates {
        // `t("key")` in templates: the text after each `t("` up to the closing quote.
        text.split("t(\"")
            .skip(1)
            .filter_map(|piece| piece.split('"').next())
            .collect()
    } else {
        // Every string literal in the code: the odd pieces between quotes.
        text.split('"').skip(1).step_by(2).collect()
    };
    let sections = [
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
        "docs",
        "groups",
        "keys",
        "machines",
        "audit",
        "settings",
        "password",
        "mail",
    ];
    candidates
        .into_iter()
        .filter(|c| {
            c.split('.').count() == 2
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_' || ch == '.')
                && sections.contains(&c.split('.').next().unwrap_or(""))
                && !c.ends_with('.')
                && !c.ends_with(".html")
                && !c.ends_with(".txt")
                && *c != "secret.key"
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_key_used_exists_in_the_catalog() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    visit(&root.join("templates"), &mut files);
    let template_count = files.len();
    visit(&root.join("src"), &mut files);
    let mut checked = 0;
    let mut missing = Vec::new();
    for (index, (path, text)) in files.iter().enumerate() {
        for key in keys_in(text, index < template_count) {
            // Audit action codes and permission codes look like keys but are data.
            let data = keyward::domain::journal::Action::parse(&key).is_some()
                || keyward::domain::permissions::Permission::parse(&key).is_some();
            if data {
                continue;
            }
            if !CATALOG.contains_key(key.as_str()) {
                missing.push(format!("{path} uses {key}"));
            }
            checked += 1;
        }
    }
    assert!(
        missing.is_empty(),
        "not in the catalog:\n{}",
        missing.join("\n")
    );
    assert!(
        checked > 100,
        "the scan found only {checked} keys: is it still reading the templates?"
    );
}
