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
        "ProviderKind::Gitlab",
        "ProviderKind::ALL",
        "providers::gcore",
        "providers::sesterce",
        "providers::terraform",
        "providers::github",
        "providers::gitlab",
        "Gcore",
        "Sesterce",
        "Terraform",
        "GitHub",
        "ProviderKind::Hetzner",
        "providers::hetzner",
        "Hetzner",
        "GitLab",
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

// Layers: every module uses only modules below it, and no modules import
// each other in a circle. Files are parsed with `syn`, so `use` trees,
// inline modules (`mod tests`), `super::` and paths inside macros are read
// as the compiler reads them; comments and doc links are not imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use syn::visit::Visit;

/// The top-level modules of `src/`, lowest layer first. A module may use
/// modules of lower layers only, never one of its own layer or above.
const LAYERS: &[&[&str]] = &[
    // Key text, dates and "now": no other module of the crate.
    &["clock", "dates", "keys"],
    // Provider clients and their specs.
    &["providers"],
    // profiles.json, tokens, settings, crash-safe files.
    &["store"],
    // Fake servers (tests and `--demo`), the demo's accounts.
    &["sandbox"],
    &["demo", "inventory"],
    // Fleet operations: create-with-recovery, publish, revoke planning,
    // rotation. Shared by the backend, the command line and the window.
    &["ops"],
    // The tokio side the window sends commands to.
    &["backend"],
    // The window's models (they hold the backend's pending answers) and
    // the command line.
    &["state", "cli"],
    &["ui"],
    &["app"],
    &["probe"],
];

/// Circles between the files of one module that are known and being
/// removed, as "module: its files in the circle". A listed circle that is
/// gone fails the test too, so this list only shrinks. The last one, the
/// providers' registry circle, went when the registry moved to
/// `providers/registry.rs` (issue 21 §5).
const KNOWN_FILE_CIRCLES: &[&str] = &[];

/// Where the sources are: `src/`, or the tree `ARCHITECTURE_SRC` names
/// (to audit another checkout with this test).
fn source_root() -> PathBuf {
    match std::env::var_os("ARCHITECTURE_SRC") {
        Some(root) => PathBuf::from(root),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
    }
}

/// Every `.rs` file under `src/`: its path from `src/` and its module path
/// (`a/b.rs` and `a/b/mod.rs` are `a::b`; `lib.rs` and `main.rs` the root).
fn crate_files() -> Vec<(String, Vec<String>)> {
    let root = source_root();
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(&root).unwrap();
                let mut module: Vec<String> = relative
                    .iter()
                    .map(|part| part.to_string_lossy().into_owned())
                    .collect();
                let file = module.pop().unwrap();
                let stem = file.trim_end_matches(".rs");
                if !matches!(stem, "mod" | "lib" | "main") {
                    module.push(stem.to_string());
                }
                files.push((relative.display().to_string(), module));
            }
        }
    }
    assert!(files.len() > 20, "found only {files:?}");
    files.sort();
    files
}

/// One path in a file that names a module of the crate.
#[derive(Debug)]
struct CrateUse {
    /// The file, from `src/`.
    file: String,
    /// The module path the code is in (inline modules included).
    from: Vec<String>,
    /// The module path named, resolved from `crate::`, `self::`, `super::`.
    to: Vec<String>,
}

/// Collects the `crate::`, `self::` and `super::` paths of one file.
struct PathFinder {
    file: String,
    module: Vec<String>,
    found: Vec<CrateUse>,
}

impl PathFinder {
    /// Records `segments` when it names something in the crate: at least
    /// one name after its `crate`/`self`/`super` prefix (a bare `crate` or
    /// `super` is a visibility, not a use).
    fn record(&mut self, segments: &[String]) {
        let Some((first, rest)) = segments.split_first() else {
            return;
        };
        let mut to = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.module.clone(),
            "super" => {
                let mut parent = self.module.clone();
                parent.pop();
                parent
            }
            _ => return,
        };
        let mut rest = rest.iter().peekable();
        while rest.peek().is_some_and(|segment| *segment == "super") {
            to.pop();
            rest.next();
        }
        let names: Vec<String> = rest.filter(|s| *s != "self").cloned().collect();
        if names.is_empty() {
            return;
        }
        to.extend(names);
        self.found.push(CrateUse {
            file: self.file.clone(),
            from: self.module.clone(),
            to,
        });
    }

    /// Every path a `use` tree imports.
    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(&path.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(name) => self.record_with(prefix, &name.ident),
            syn::UseTree::Rename(rename) => self.record_with(prefix, &rename.ident),
            syn::UseTree::Glob(_) => self.record(&prefix.clone()),
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.use_tree(item, prefix);
                }
            }
        }
    }

    fn record_with(&mut self, prefix: &[String], last: &syn::Ident) {
        let mut segments = prefix.to_vec();
        segments.push(last.to_string());
        self.record(&segments);
    }

    /// Paths in a macro's tokens (`format!`, `assert!`, `tracing::info!`),
    /// which `syn` does not parse: `crate :: a :: b` read from the tokens'
    /// text, string literals left out.
    fn macro_tokens(&mut self, tokens: &str) {
        let mut code = String::new();
        let mut chars = tokens.chars();
        while let Some(c) = chars.next() {
            if c != '"' {
                code.push(c);
                continue;
            }
            while let Some(inner) = chars.next() {
                match inner {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => {}
                }
            }
            code.push(' ');
        }
        let joined = code.replace(" ::", "::").replace(":: ", "::");
        let words = joined.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        for word in words {
            let segments: Vec<String> = word.split("::").map(str::to_string).collect();
            if segments.len() > 1 && segments.iter().all(|segment| !segment.is_empty()) {
                self.record(&segments);
            }
        }
    }
}

impl<'ast> Visit<'ast> for PathFinder {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&item.tree, &mut Vec::new());
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macro_tokens(&mac.tokens.to_string());
        syn::visit::visit_macro(self, mac);
    }

    // `pub(in crate::x)` and `pub(super)` say who may see an item: not a use.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}
}

/// Every use of a crate module in every file of `src/`.
fn crate_uses() -> Vec<CrateUse> {
    let root = source_root();
    let mut found = Vec::new();
    for (file, module) in crate_files() {
        let text = std::fs::read_to_string(root.join(&file)).unwrap();
        let parsed = syn::parse_file(&text).unwrap_or_else(|err| panic!("{file}: {err}"));
        let mut finder = PathFinder {
            file,
            module,
            found: Vec::new(),
        };
        finder.visit_file(&parsed);
        found.extend(finder.found);
    }
    found
}

/// The layer of a top-level module, if it is in [`LAYERS`].
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules: `src/NAME.rs` and `src/NAME/`.
fn top_level_modules() -> BTreeSet<String> {
    crate_files()
        .into_iter()
        .filter_map(|(_, module)| module.first().cloned())
        .collect()
}

/// Edges `from -> to` with one example each ("file: a::b"), for the
/// modules `key` maps a use to (`None`: not an edge of this graph).
fn graph(
    uses: &[CrateUse],
    key: impl Fn(&CrateUse) -> Option<(String, String)>,
) -> BTreeMap<(String, String), String> {
    let mut edges = BTreeMap::new();
    for found in uses {
        if let Some((from, to)) = key(found)
            && from != to
        {
            edges
                .entry((from, to))
                .or_insert_with(|| format!("{}: {}", found.file, found.to.join("::")));
        }
    }
    edges
}

/// The groups of nodes that reach each other (circles), each sorted.
fn circles(edges: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let reach = |start: &String| {
        let mut seen = BTreeSet::new();
        let mut pending = vec![start.clone()];
        while let Some(node) = pending.pop() {
            for ((from, to), _) in edges.iter() {
                if *from == node && seen.insert(to.clone()) {
                    pending.push(to.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|node| (*node, reach(node))).collect();
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for node in &nodes {
        if !reached[node].contains(*node) {
            continue;
        }
        let group: Vec<String> = nodes
            .iter()
            .filter(|other| reached[node].contains(**other) && reached[*other].contains(*node))
            .map(|other| (*other).clone())
            .collect();
        groups.insert(group);
    }
    groups.into_iter().collect()
}

/// The edges inside `group`, as lines for a failure message.
fn circle_evidence(group: &[String], edges: &BTreeMap<(String, String), String>) -> String {
    edges
        .iter()
        .filter(|((from, to), _)| group.contains(from) && group.contains(to))
        .map(|((from, to), example)| format!("    {from} -> {to} ({example})"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn top_level_graph(uses: &[CrateUse]) -> BTreeMap<(String, String), String> {
    graph(uses, |found| {
        Some((found.from.first()?.clone(), found.to.first()?.clone()))
    })
}

#[test]
fn every_module_uses_only_modules_below_it() {
    let modules = top_level_modules();
    let unplaced: Vec<&String> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "put these modules in a layer of LAYERS (tests/architecture.rs): {unplaced:?}"
    );
    let edges = top_level_graph(&crate_uses());
    // A re-export at the crate root (`pub use ops::rotation;`) would hide
    // which layer is used: every path names a module by its own name.
    let aliases: Vec<String> = edges
        .iter()
        .filter(|((_, to), _)| !modules.contains(to))
        .map(|((from, to), example)| format!("{from} -> crate::{to} ({example})"))
        .collect();
    assert!(
        aliases.is_empty(),
        "name modules where they are, not through the crate root: {aliases:?}"
    );
    let upward: Vec<String> = edges
        .into_iter()
        .filter(|((from, to), _)| layer_of(from) <= layer_of(to))
        .map(|((from, to), example)| format!("{from} -> {to} ({example})"))
        .collect();
    assert!(
        upward.is_empty(),
        "{} import(s) point up or sideways (LAYERS in tests/architecture.rs \
         lists the order, lowest first):\n{}",
        upward.len(),
        upward.join("\n")
    );
}

#[test]
fn top_level_modules_import_each_other_in_no_circle() {
    let modules = top_level_modules();
    let edges: BTreeMap<_, _> = top_level_graph(&crate_uses())
        .into_iter()
        .filter(|((_, to), _)| modules.contains(to))
        .collect();
    let found = circles(&edges);
    let described: Vec<String> = found
        .iter()
        .map(|group| {
            format!(
                "{}:\n{}",
                group.join(" <-> "),
                circle_evidence(group, &edges)
            )
        })
        .collect();
    assert!(
        found.is_empty(),
        "{} circle(s) between top-level modules:\n{}",
        found.len(),
        described.join("\n")
    );
}

/// Modules that are folders (`providers`, `ops::rotation`), each with its
/// files and subfolders one level down (`gcore`, `spec`, …).
fn folder_modules() -> BTreeMap<Vec<String>, BTreeSet<String>> {
    let mut folders: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for (_, path) in crate_files() {
        for depth in 1..path.len() {
            folders
                .entry(path[..depth].to_vec())
                .or_default()
                .insert(path[depth].clone());
        }
    }
    folders
}

#[test]
fn the_files_of_a_module_import_each_other_in_no_circle() {
    let uses = crate_uses();
    let mut found = Vec::new();
    for (folder, parts) in folder_modules() {
        // The folder's own `mod.rs` is its face (a registry may sit
        // there), not one of its parts.
        let depth = folder.len();
        let part_of = |path: &[String]| {
            (path.len() > depth && path[..depth] == folder[..] && parts.contains(&path[depth]))
                .then(|| path[depth].clone())
        };
        let edges = graph(&uses, |found| {
            Some((part_of(&found.from)?, part_of(&found.to)?))
        });
        for group in circles(&edges) {
            found.push((folder.join("::"), group, edges.clone()));
        }
    }
    let names: Vec<String> = found
        .iter()
        .map(|(module, group, _)| format!("{module}: {}", group.join(" ")))
        .collect();
    let unexpected: Vec<String> = found
        .iter()
        .zip(&names)
        .filter(|(_, name)| !KNOWN_FILE_CIRCLES.contains(&name.as_str()))
        .map(|((module, group, edges), _)| {
            format!(
                "{module}/: {}:\n{}",
                group.join(" <-> "),
                circle_evidence(group, edges)
            )
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} circle(s) between the files of a module:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    let gone: Vec<&&str> = KNOWN_FILE_CIRCLES
        .iter()
        .filter(|known| !names.iter().any(|name| name == *known))
        .collect();
    assert!(
        gone.is_empty(),
        "these circles are gone: remove them from KNOWN_FILE_CIRCLES in tests/architecture.rs: {gone:?}"
    );
}

/// The variants of `enum NAME` in `file` (from `src/`).
fn enum_variants(file: &str, name: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(source_root().join(file)).unwrap();
    let parsed = syn::parse_file(&text).unwrap();
    parsed
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Enum(item) if item.ident == name => Some(
                item.variants
                    .iter()
                    .map(|variant| variant.ident.to_string())
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no enum {name} in {file}"))
}

/// The arms of the first `match` in `fn NAME` of `file`: each arm's
/// variant (see [`variant_of`]) and whether it has a guard.
fn match_arms(file: &str, name: &str) -> Vec<(Option<String>, bool)> {
    let text = std::fs::read_to_string(source_root().join(file)).unwrap();
    let parsed = syn::parse_file(&text).unwrap_or_else(|err| panic!("{file}: {err}"));
    let function = parsed
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Fn(function) if function.sig.ident == name => Some(function),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fn {name} in {file}"));
    struct FirstMatch(Option<Vec<(Option<String>, bool)>>);
    impl<'ast> Visit<'ast> for FirstMatch {
        fn visit_expr_match(&mut self, found: &'ast syn::ExprMatch) {
            if self.0.is_none() {
                let arms = found.arms.iter();
                self.0 = Some(
                    arms.map(|arm| (variant_of(&arm.pat), arm.guard.is_some()))
                        .collect(),
                );
            }
        }
    }
    let mut first = FirstMatch(None);
    first.visit_item_fn(function);
    first
        .0
        .unwrap_or_else(|| panic!("no match in fn {name} of {file}"))
}

/// `Command::X { … }` → `X`; `None` for `_`, a binding, or anything that
/// is not one variant (a catch-all in disguise).
fn variant_of(pattern: &syn::Pat) -> Option<String> {
    let path = match pattern {
        syn::Pat::Struct(pattern) => &pattern.path,
        syn::Pat::TupleStruct(pattern) => &pattern.path,
        syn::Pat::Path(pattern) => &pattern.path,
        _ => return None,
    };
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match &segments[..] {
        [enum_name, variant] if enum_name == "Command" => Some(variant.clone()),
        _ => None,
    }
}

/// The backend carries out every `Command` in one `match` with an arm per
/// command and no catch-all, so a command nothing handles does not compile
/// (the compiler checks exhaustiveness; this checks nobody adds `_ =>`).
#[test]
fn the_backend_dispatch_is_one_match_with_an_arm_per_command() {
    let commands = enum_variants("backend/commands.rs", "Command");
    assert!(commands.len() > 10, "{commands:?}");
    let arms = match_arms("backend/dispatch.rs", "handle");
    let mut handled = BTreeSet::new();
    let mut not_one_command = Vec::new();
    for (number, (variant, guarded)) in arms.into_iter().enumerate() {
        match variant {
            Some(variant) if !guarded => {
                handled.insert(variant);
            }
            _ => not_one_command.push(number + 1),
        }
    }
    assert!(
        not_one_command.is_empty(),
        "every arm of backend/dispatch.rs `handle` names one Command, unguarded; arms {not_one_command:?} do not"
    );
    let missing: Vec<&String> = commands.difference(&handled).collect();
    assert!(
        missing.is_empty(),
        "commands without an arm in `handle`: {missing:?}"
    );
}
