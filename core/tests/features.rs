//! One feature table: the crate docs (core/README.md) and the repository's README carry the same
//! one, and it lists exactly the features of Cargo.toml, with their defaults.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The rows of the table headed `| feature | default |`.
fn table(markdown: &str) -> Vec<&str> {
    markdown
        .lines()
        .skip_while(|l| !l.starts_with("| feature | default |"))
        .take_while(|l| l.starts_with('|'))
        .collect()
}

/// `name -> default?` of Cargo.toml's `[features]`.
fn cargo_features() -> BTreeMap<String, bool> {
    let toml = read("Cargo.toml");
    let section: Vec<&str> = toml
        .lines()
        .skip_while(|l| *l != "[features]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .collect();
    let names = |l: &str| l.split_once('=').unwrap().0.trim().to_owned();
    let default = section.iter().find(|l| names(l) == "default").unwrap();
    section
        .iter()
        .map(|l| names(l))
        .filter(|n| n != "default")
        .map(|n| {
            let on = default.contains(&format!("\"{n}\""));
            (n, on)
        })
        .collect()
}

#[test]
fn one_feature_table_matching_cargo_toml() {
    let docs = read("README.md");
    let repo = read("../README.md");
    let rows = table(&docs);
    assert!(rows.len() > 2, "no feature table in core/README.md");
    assert_eq!(
        rows,
        table(&repo),
        "README.md's feature table is not core/README.md's"
    );
    let listed: BTreeMap<String, bool> = rows
        .iter()
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_owned(), cells[2] == "yes")
        })
        .collect();
    assert_eq!(listed, cargo_features());
}
