//! The window knows providers only through their specs: nothing in
//! `src/ui/` or the app names a provider, so adding one touches neither.

use std::path::Path;

/// Source files of the window: `src/ui/**` and `src/app.rs` or `src/app/**`.
fn window_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut pending = vec![root.join("ui"), root.join("app")];
    if root.join("app.rs").exists() {
        files.push(root.join("app.rs"));
    }
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 5, "found only {files:?}");
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.display().to_string(), text)
        })
        .collect()
}

/// A line without its `//` comment (good enough for this code: no `//`
/// inside the string literals it checks).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(at) if !line[..at].contains('"') => &line[..at],
        _ => line,
    }
}

#[test]
fn the_window_names_no_provider() {
    let forbidden = [
        "ProviderKind::Gcore",
        "ProviderKind::Sesterce",
        "ProviderKind::Terraform",
        "ProviderKind::Github",
        "ProviderKind::ALL",
        "providers::gcore",
        "providers::sesterce",
        "providers::terraform",
        "providers::github",
        "Gcore",
        "Sesterce",
        "Terraform",
        "GitHub",
    ];
    let mut found = Vec::new();
    for (path, text) in window_sources() {
        for (number, line) in text.lines().enumerate() {
            let code = code_of(line);
            for word in forbidden {
                if code.contains(word) {
                    found.push(format!("{path}:{}: {}", number + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the window must read the provider's spec instead of naming it:\n{}",
        found.join("\n")
    );
}
