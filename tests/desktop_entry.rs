//! What the application menu and the package manager say about Keyfleet
//! keeps up with the providers: the desktop entry's Comment and Keywords,
//! Cargo.toml's `description` and the Debian package's
//! `extended-description` name every provider of `providers::registry::all()`,
//! so adding a provider without them fails here. And the package's
//! maintainer is the project, without a made-up address.

use std::path::Path;

use keyfleet::providers::registry;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The value of `key` in the `[Desktop Entry]` group (the file's only one).
fn desktop_value(key: &str) -> String {
    let entry = read("assets/keyfleet.desktop");
    let prefix = format!("{key}=");
    let values: Vec<&str> = entry
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .collect();
    assert_eq!(values.len(), 1, "one {key}= line in the desktop entry");
    values[0].to_string()
}

fn manifest() -> toml::Table {
    read("Cargo.toml").parse().expect("Cargo.toml parses")
}

/// `package.KEY` or `package.metadata.deb.KEY` as text.
fn manifest_text(path: &[&str]) -> String {
    let manifest = manifest();
    let mut value = manifest.get(path[0]);
    for key in &path[1..] {
        value = value.and_then(|value| value.get(key));
    }
    value
        .and_then(toml::Value::as_str)
        .unwrap_or_else(|| panic!("Cargo.toml has no text at {}", path.join(".")))
        .to_string()
}

fn provider_labels() -> Vec<&'static str> {
    registry::all().iter().map(|spec| spec.label).collect()
}

/// Every label not found in `text`.
fn labels_missing_from(text: &str) -> Vec<&'static str> {
    provider_labels()
        .into_iter()
        .filter(|label| !text.contains(label))
        .collect()
}

#[test]
fn desktop_comment_names_every_provider() {
    let comment = desktop_value("Comment");
    assert_eq!(
        labels_missing_from(&comment),
        Vec::<&str>::new(),
        "Comment={comment}"
    );
}

/// Keywords are single words: every word of every provider's label is one
/// (so "HCP Terraform / TFE" gives hcp, terraform and tfe).
#[test]
fn desktop_keywords_hold_every_word_of_every_provider_label() {
    let keywords: Vec<String> = desktop_value("Keywords")
        .split(';')
        .map(|keyword| keyword.trim().to_lowercase())
        .filter(|keyword| !keyword.is_empty())
        .collect();
    let missing: Vec<String> = provider_labels()
        .iter()
        .flat_map(|label| label.split(|c: char| !c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| !keywords.contains(word))
        .collect();
    assert_eq!(missing, Vec::<String>::new(), "keywords: {keywords:?}");
}

#[test]
fn package_descriptions_name_every_provider() {
    let description = manifest_text(&["package", "description"]);
    assert_eq!(
        labels_missing_from(&description),
        Vec::<&str>::new(),
        "{description}"
    );
    let extended = manifest_text(&["package", "metadata", "deb", "extended-description"]);
    assert_eq!(
        labels_missing_from(&extended),
        Vec::<&str>::new(),
        "{extended}"
    );
}

/// The maintainer names the project; an address, if there ever is one,
/// must be real: not under a name reserved for examples and tests
/// (RFC 2606), as the placeholder this replaced was.
#[test]
fn deb_maintainer_is_the_project_without_a_made_up_address() {
    let maintainer = manifest_text(&["package", "metadata", "deb", "maintainer"]);
    assert!(maintainer.starts_with("Keyfleet"), "{maintainer}");
    if let Some((_, address)) = maintainer.split_once('<') {
        let domain = address
            .trim_end_matches('>')
            .rsplit_once('@')
            .map(|(_, domain)| domain.to_lowercase())
            .unwrap_or_default();
        let reserved = [".example", ".invalid", ".test", ".localhost", "example.com"];
        assert!(
            !domain.is_empty() && !reserved.iter().any(|tld| domain.ends_with(tld)),
            "not a real address: {maintainer}"
        );
    }
}
