//! `~/.ssh/config`: which `Host` patterns name which `IdentityFile`.
//!
//! Read-only: Keyfleet never writes the user's config. Written here rather
//! than with `ssh2-config`, which answers "what applies to host X" but not
//! "which blocks name this file": it merges an `Include`d file into the
//! including block and keeps no file or line (needed to show the exact lines
//! to change), resolves relative `Include`s against the process's `$HOME`
//! (so neither tests nor `--demo` could point it elsewhere), and has no
//! `Match`: an `IdentityFile` under `Match` would be credited to the `Host`
//! block above it.
//!
//! What is followed: `Host` blocks, `Include` (globs, nested up to 16 deep
//! as in OpenSSH, relative paths in `~/.ssh`), `keyword value` and
//! `keyword=value`, quotes, comments. `Match` blocks are left out (they
//! depend on the connection: user, command results) and said so in a note.
//! In `IdentityFile`, `~/`, `%d`, `%u`, `%%` are resolved, and `%h` for a
//! `Host` pattern without wildcards (its `HostName` when the block sets
//! one); for a wildcard pattern `%h` cannot be known and a note says so.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::local::{self, LocalKey};

/// OpenSSH's limit on nested `Include`s (`READCONF_MAX_DEPTH`).
const MAX_INCLUDE_DEPTH: usize = 16;
/// A config file bigger than this is not read (a real one is a few KB).
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Where the config is and what its `~`, `%d` and `%u` stand for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshConfigSource {
    /// The config file (`~/.ssh/config`).
    pub file: PathBuf,
    /// Where a relative `Include` is looked for (`~/.ssh`).
    pub ssh_dir: PathBuf,
    /// The home folder (`~`, `%d`).
    pub home: PathBuf,
    /// The local user name (`%u`), when known.
    pub user: Option<String>,
}

impl SshConfigSource {
    /// The user's own: `~/.ssh/config`, `%u` from `$USER` (else
    /// `$LOGNAME`). `None` when no home folder is known.
    pub fn for_this_user() -> Option<Self> {
        let home = directories::BaseDirs::new()?.home_dir().to_path_buf();
        let user = ["USER", "LOGNAME"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
        Some(Self::in_home(&home, user))
    }

    /// `HOME/.ssh/config` for the home folder `home`.
    pub fn in_home(home: &Path, user: Option<String>) -> Self {
        let ssh_dir = home.join(".ssh");
        Self {
            file: ssh_dir.join("config"),
            ssh_dir,
            home: home.to_path_buf(),
            user,
        }
    }
}

/// What the file an `IdentityFile` names holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum IdentityState {
    /// A key; `sha256` is `None` for a locked (encrypted PEM) key.
    Key {
        /// `SHA256:…` of its public key.
        sha256: Option<String>,
    },
    /// No such file: "config names a missing key".
    Missing,
    /// There is a file, but it is not a key that could be read.
    Unreadable {
        /// Why.
        message: String,
    },
}

/// One `IdentityFile` line, resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityEntry {
    /// The `Host` line's patterns as written (`*` before any `Host`); for a
    /// `%h` path, the one pattern it was resolved for.
    pub hosts: String,
    /// The config file the line is in.
    pub config_file: PathBuf,
    /// Its line number (from 1).
    pub line: usize,
    /// The line as written, trimmed.
    pub text: String,
    /// The path it names, resolved.
    pub path: PathBuf,
    /// What is there.
    #[serde(flatten)]
    pub state: IdentityState,
}

impl IdentityEntry {
    /// The line to write instead so it names `new_path`: `IdentityFile`
    /// and the path, as `~/…` when it is in the home folder and the line
    /// used `~` or `%d`; quoted when it has a space.
    pub fn replacement(&self, new_path: &Path, home: &Path) -> String {
        let value = self
            .text
            .split_once(|c: char| c == '=' || c.is_whitespace());
        let old_value = value.map_or("", |(_, rest)| rest.trim_start_matches([' ', '\t', '=']));
        let tilde = old_value.starts_with('~') || old_value.starts_with("%d");
        let shown = match new_path.strip_prefix(home) {
            Ok(rest) if tilde => format!("~/{}", rest.display()),
            _ => new_path.display().to_string(),
        };
        if shown.contains(' ') {
            format!("IdentityFile \"{shown}\"")
        } else {
            format!("IdentityFile {shown}")
        }
    }

    /// `file:line`, for people.
    pub fn location(&self) -> String {
        format!("{}:{}", self.config_file.display(), self.line)
    }
}

/// Something in the config Keyfleet read past: a `Match` block, a path it
/// cannot resolve, an unreadable `Include`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigNote {
    /// The file.
    pub config_file: PathBuf,
    /// The line (from 1); 0 for the file as a whole.
    pub line: usize,
    /// What was left out and why.
    pub message: String,
}

/// Everything read from the config.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SshHosts {
    /// Where it was read from (`None`: not read at all).
    #[serde(skip)]
    pub source: Option<SshConfigSource>,
    /// Every resolved `IdentityFile`, in file order.
    pub entries: Vec<IdentityEntry>,
    /// What was left out.
    pub notes: Vec<ConfigNote>,
}

impl SshHosts {
    /// The `Host` patterns naming the key `sha256`, each once, in order.
    pub fn hosts_for(&self, sha256: &str) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        for entry in &self.entries {
            if matches!(&entry.state, IdentityState::Key { sha256: Some(sha) } if sha == sha256)
                && !hosts.contains(&entry.hosts)
            {
                hosts.push(entry.hosts.clone());
            }
        }
        hosts
    }

    /// The lines naming a key that is `sha256` or sits at one of `paths`
    /// (its files: a `.pub` counts for the private key beside it).
    pub fn naming(&self, sha256: Option<&str>, paths: &[PathBuf]) -> Vec<&IdentityEntry> {
        self.entries
            .iter()
            .filter(|entry| {
                let by_key = matches!(
                    (&entry.state, sha256),
                    (IdentityState::Key { sha256: Some(a) }, Some(b)) if a == b
                );
                by_key
                    || paths
                        .iter()
                        .any(|path| path == &entry.path || path.with_extension("") == entry.path)
            })
            .collect()
    }
}

/// Reads the config at `source`. A missing `~/.ssh` or config means no
/// hosts, not a problem; nothing here writes a file.
pub fn read(source: &SshConfigSource) -> SshHosts {
    let mut reader = Reader {
        source,
        hosts: SshHosts {
            source: Some(source.clone()),
            ..SshHosts::default()
        },
    };
    match read_config_file(&source.file) {
        Ok(Some(text)) => reader.parse(&source.file, &text, &Block::everywhere(), 0),
        Ok(None) => {}
        Err(message) => reader.note(&source.file, 0, message),
    }
    reader.hosts
}

/// The text of a config file; `Ok(None)` when there is none.
fn read_config_file(path: &Path) -> Result<Option<String>, String> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // A `~/.ssh` that is a file, say: nothing to read there either.
        Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
        Err(err) => return Err(format!("could not be read: {err}")),
    };
    if !metadata.is_file() {
        return Ok(None);
    }
    if metadata.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "not read: {} bytes is more than a config file holds",
            metadata.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|err| format!("could not be read: {err}"))?;
    // OpenSSH reads bytes; a stray non-UTF-8 byte must not hide the rest.
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The condition lines apply under: a `Host` line's patterns, or a `Match`
/// (left out).
#[derive(Clone, Debug)]
struct Block {
    patterns: Vec<String>,
    host_name: Option<String>,
    is_match: bool,
}

impl Block {
    /// Lines before any `Host`: every host.
    fn everywhere() -> Self {
        Self {
            patterns: vec!["*".into()],
            host_name: None,
            is_match: false,
        }
    }
}

struct Reader<'a> {
    source: &'a SshConfigSource,
    hosts: SshHosts,
}

impl Reader<'_> {
    fn note(&mut self, file: &Path, line: usize, message: impl Into<String>) {
        self.hosts.notes.push(ConfigNote {
            config_file: file.to_path_buf(),
            line,
            message: message.into(),
        });
    }

    /// Reads one file's lines under `outer` (the block its `Include` was
    /// in). A `HostName` is taken from its own block only.
    fn parse(&mut self, file: &Path, text: &str, outer: &Block, depth: usize) {
        let mut block = outer.clone();
        let lines: Vec<&str> = text.lines().collect();
        // `HostName` may come after `IdentityFile` in a block: find each
        // block's first one before resolving `%h`.
        let host_names = host_name_per_line(&lines);
        for (index, raw) in lines.iter().enumerate() {
            let number = index + 1;
            let Some((keyword, args)) = split_line(raw) else {
                continue;
            };
            match keyword.to_ascii_lowercase().as_str() {
                "host" => {
                    block = Block {
                        patterns: args,
                        host_name: host_names[index].clone(),
                        is_match: false,
                    };
                }
                "match" => {
                    block = Block {
                        patterns: Vec::new(),
                        host_name: None,
                        is_match: true,
                    };
                    self.note(
                        file,
                        number,
                        "a Match block is left out: whether it applies depends on the connection",
                    );
                }
                "include" if !block.is_match => self.include(file, number, &args, &block, depth),
                "identityfile" if !block.is_match => {
                    let text = raw.trim();
                    for value in args {
                        self.identity(file, number, text, &value, &block);
                    }
                }
                _ => {}
            }
        }
    }

    fn include(&mut self, file: &Path, line: usize, args: &[String], block: &Block, depth: usize) {
        if depth + 1 > MAX_INCLUDE_DEPTH {
            return self.note(
                file,
                line,
                format!("Include not followed: more than {MAX_INCLUDE_DEPTH} levels deep"),
            );
        }
        for pattern in args {
            let resolved = match self.include_pattern(pattern) {
                Ok(resolved) => resolved,
                Err(message) => {
                    self.note(file, line, message);
                    continue;
                }
            };
            let Ok(paths) = glob::glob(&resolved) else {
                self.note(
                    file,
                    line,
                    format!("Include {pattern}: not a valid pattern"),
                );
                continue;
            };
            // glob yields matches in alphabetical order, as OpenSSH reads them.
            for path in paths.filter_map(Result::ok) {
                match read_config_file(&path) {
                    Ok(Some(text)) => self.parse(&path, &text, block, depth + 1),
                    Ok(None) => {}
                    Err(message) => self.note(&path, 0, message),
                }
            }
        }
    }

    /// An `Include` path: `~/` in the home folder, relative in `~/.ssh`.
    fn include_pattern(&self, pattern: &str) -> Result<String, String> {
        let path = if let Some(rest) = pattern.strip_prefix("~/") {
            self.source.home.join(rest)
        } else if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else if pattern.starts_with('~') {
            return Err(format!(
                "Include {pattern}: another user's home folder is not followed"
            ));
        } else {
            self.source.ssh_dir.join(pattern)
        };
        path.to_str()
            .map(str::to_string)
            .ok_or_else(|| format!("Include {pattern}: the path is not UTF-8"))
    }

    fn identity(&mut self, file: &Path, line: usize, text: &str, value: &str, block: &Block) {
        let needs_host = value.contains("%h");
        let literal =
            |pattern: &&String| !pattern.starts_with('!') && !pattern.contains(['*', '?']);
        let targets: Vec<(String, Option<String>)> = if needs_host {
            let literals: Vec<&String> = block.patterns.iter().filter(literal).collect();
            if literals.len()
                < block
                    .patterns
                    .iter()
                    .filter(|p| !p.starts_with('!'))
                    .count()
            {
                self.note(
                    file,
                    line,
                    format!(
                        "IdentityFile {value}: %h cannot be resolved for the wildcard Host {}",
                        block.patterns.join(" ")
                    ),
                );
            }
            literals
                .into_iter()
                .map(|pattern| {
                    let host = block.host_name.clone().unwrap_or_else(|| pattern.clone());
                    (pattern.clone(), Some(host))
                })
                .collect()
        } else {
            vec![(block.patterns.join(" "), None)]
        };
        for (hosts, host) in targets {
            match expand(value, self.source, host.as_deref()) {
                Ok(path) => {
                    let state = identity_state(&path);
                    self.hosts.entries.push(IdentityEntry {
                        hosts,
                        config_file: file.to_path_buf(),
                        line,
                        text: text.to_string(),
                        path,
                        state,
                    });
                }
                Err(reason) => self.note(file, line, format!("IdentityFile {value}: {reason}")),
            }
        }
    }
}

/// Per line, the first `HostName` of the `Host` block starting there.
fn host_name_per_line(lines: &[&str]) -> Vec<Option<String>> {
    let mut names = vec![None; lines.len()];
    let mut start: Option<usize> = None;
    for (index, raw) in lines.iter().enumerate() {
        let Some((keyword, args)) = split_line(raw) else {
            continue;
        };
        match keyword.to_ascii_lowercase().as_str() {
            "host" => start = Some(index),
            "match" => start = None,
            "hostname" => {
                if let (Some(start), Some(name)) = (start, args.first())
                    && names[start].is_none()
                    && !name.contains('%')
                {
                    names[start] = Some(name.clone());
                }
            }
            _ => {}
        }
    }
    names
}

/// `keyword args…` from a line, or `None` for a blank or comment line.
/// `keyword=value` and quoted arguments as OpenSSH reads them.
fn split_line(raw: &str) -> Option<(String, Vec<String>)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..end].to_string();
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    Some((keyword, arguments(rest)))
}

/// Whitespace-separated arguments; `"…"` keeps spaces; `#` outside quotes
/// starts a comment.
fn arguments(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut in_arg = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_arg = true;
            }
            '#' if !quoted && !in_arg => break,
            c if c.is_whitespace() && !quoted => {
                if in_arg {
                    args.push(std::mem::take(&mut current));
                    in_arg = false;
                }
            }
            c => {
                current.push(c);
                in_arg = true;
            }
        }
    }
    if in_arg {
        args.push(current);
    }
    args
}

/// Resolves `~/` and the `%` tokens whose value is known; else why not.
fn expand(value: &str, source: &SshConfigSource, host: Option<&str>) -> Result<PathBuf, String> {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('d') => out.push_str(&source.home.to_string_lossy()),
            Some('u') => match &source.user {
                Some(user) => out.push_str(user),
                None => return Err("%u: the local user name is not known".into()),
            },
            Some('h') => match host {
                Some(host) => out.push_str(host),
                None => return Err("%h cannot be resolved here".into()),
            },
            Some(other) => {
                return Err(format!(
                    "%{other} depends on the connection and cannot be resolved"
                ));
            }
            None => return Err("a lone % at the end".into()),
        }
    }
    if out.contains("${") {
        return Err("environment variables are not resolved".into());
    }
    if let Some(rest) = out.strip_prefix("~/") {
        return Ok(source.home.join(rest));
    }
    if out == "~" || out.starts_with('~') {
        return Err("another user's home folder is not resolved".into());
    }
    let path = PathBuf::from(out);
    if path.is_absolute() {
        Ok(path)
    } else {
        Err("a relative path depends on the folder ssh is started from".into())
    }
}

/// Reads the key at `path` (its `.pub` when there is one, as the scan
/// does), never writing and never asking for a passphrase.
fn identity_state(path: &Path) -> IdentityState {
    // Follows links: a link to nothing is a missing key.
    match std::fs::metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return IdentityState::Missing,
        Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => {
            return IdentityState::Missing;
        }
        _ => {}
    }
    let scan = local::read_key_file(path);
    match scan.keys.first() {
        Some(LocalKey { sha256, .. }) => IdentityState::Key {
            sha256: sha256.clone(),
        },
        None => IdentityState::Unreadable {
            message: scan.problems.first().map_or_else(
                || "not a key file".to_string(),
                |problem| problem.message.clone(),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// An unencrypted Ed25519 pair at `path` by `ssh-keygen`; its SHA256.
    fn keygen(path: &Path) -> String {
        let output = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
            .arg(path)
            .stdin(Stdio::null())
            .output()
            .expect("ssh-keygen must be installed (apt-get install openssh-client)");
        assert!(output.status.success(), "{output:?}");
        crate::keys::public::read_public_key_file(&path.with_extension("pub"))
            .unwrap()
            .fingerprint_sha256
    }

    fn entries_for<'a>(hosts: &'a SshHosts, pattern: &str) -> Vec<&'a IdentityEntry> {
        hosts
            .entries
            .iter()
            .filter(|e| e.hosts == pattern)
            .collect()
    }

    const CONFIG: &str = r#"# Lines before any Host apply to every host.
IdentityFile ~/.ssh/global
Include conf.d/*.conf

Host work-a work-b
    HostName work.example
    IdentityFile ~/.ssh/shared # two Host blocks use this key

Host personal
    IdentityFile=%d/.ssh/shared

Host *.corp.example !jump.corp.example
    IdentityFile "~/.ssh/corp key"
    IdentityFile ~/.ssh/%h_key

Host box1 box2
    IdentityFile ~/.ssh/id_%h

Host inherit
    Include inner.conf

Match host foo exec "true"
    IdentityFile ~/.ssh/only_under_match
    Include never.conf

Host after-match
    identityfile /nowhere/missing_key
    IdentityFile relative_%u
    IdentityFile %d/.ssh/%u_key
"#;

    #[test]
    fn a_config_tree_tells_which_hosts_name_which_key() {
        let home = tempfile::tempdir().unwrap();
        let ssh = home.path().join(".ssh");
        std::fs::create_dir_all(ssh.join("conf.d")).unwrap();
        std::fs::write(ssh.join("config"), CONFIG).unwrap();
        std::fs::write(
            ssh.join("conf.d/10-included.conf"),
            "Host included\n  IdentityFile %d/.ssh/shared\n",
        )
        .unwrap();
        std::fs::write(
            ssh.join("conf.d/notes.txt"),
            "Host nope\n IdentityFile ~/x\n",
        )
        .unwrap();
        // Lines before the included file's own Host belong to `inherit`.
        std::fs::write(
            ssh.join("inner.conf"),
            "IdentityFile ~/.ssh/global\nHost inner-own\n IdentityFile ~/.ssh/global\n",
        )
        .unwrap();
        std::fs::write(
            ssh.join("never.conf"),
            "Host never\n IdentityFile ~/.ssh/global\n",
        )
        .unwrap();
        let shared = keygen(&ssh.join("shared"));
        let global = keygen(&ssh.join("global"));
        let corp = keygen(&ssh.join("corp key"));
        let box1 = keygen(&ssh.join("id_box1"));
        let alice = keygen(&ssh.join("alice_key"));
        // A private key without `.pub`: identified from the file itself.
        std::fs::remove_file(ssh.join("id_box1.pub")).unwrap();
        let before = std::fs::read_dir(&ssh).unwrap().count();

        let source = SshConfigSource::in_home(home.path(), Some("alice".into()));
        let hosts = read(&source);
        assert_eq!(
            std::fs::read_dir(&ssh).unwrap().count(),
            before,
            "read-only"
        );

        // A key used by two Host blocks (and an included one), with `~`
        // and `%d` resolved to the same file.
        assert_eq!(
            hosts.hosts_for(&shared),
            ["included", "work-a work-b", "personal"]
        );
        // Before any Host: every host; inside an Include in a Host block:
        // that block; the included file's own Host block: itself.
        assert_eq!(hosts.hosts_for(&global), ["*", "inherit", "inner-own"]);
        assert_eq!(
            hosts.hosts_for(&corp),
            ["*.corp.example !jump.corp.example"]
        );
        // %h for literal patterns, one per pattern.
        assert_eq!(hosts.hosts_for(&box1), ["box1"]);
        let box2 = entries_for(&hosts, "box2");
        assert_eq!(box2.len(), 1);
        assert_eq!(box2[0].state, IdentityState::Missing);
        assert_eq!(box2[0].path, ssh.join("id_box2"));
        // %u from the source.
        assert_eq!(hosts.hosts_for(&alice), ["after-match"]);

        // A missing key, with its file and line.
        let missing: Vec<_> = entries_for(&hosts, "after-match")
            .into_iter()
            .filter(|e| e.state == IdentityState::Missing)
            .collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].path, Path::new("/nowhere/missing_key"));
        assert_eq!(
            missing[0].location(),
            format!("{}:27", ssh.join("config").display())
        );
        assert_eq!(missing[0].text, "identityfile /nowhere/missing_key");

        // Left out, each with a note: Match (and what is under it), %h
        // for a wildcard Host, a relative path.
        assert!(entries_for(&hosts, "never").is_empty());
        assert!(
            hosts
                .entries
                .iter()
                .all(|e| !e.path.ends_with("only_under_match"))
        );
        assert!(
            hosts.entries.iter().all(|e| e.hosts != "nope"),
            "*.conf only"
        );
        let notes: Vec<&str> = hosts.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(notes.len(), 3, "{notes:#?}");
        assert!(notes[0].contains("%h cannot be resolved for the wildcard Host *.corp.example"));
        assert!(notes[1].contains("Match block is left out"));
        assert_eq!(hosts.notes[1].line, 22);
        assert!(notes[2].contains("relative path"), "{}", notes[2]);
    }

    #[test]
    fn no_ssh_folder_or_no_config_means_no_hosts() {
        let home = tempfile::tempdir().unwrap();
        let source = SshConfigSource::in_home(home.path(), None);
        assert_eq!(read(&source).entries, []);
        assert_eq!(read(&source).notes, []);
        // `~/.ssh` exists, the config does not.
        std::fs::create_dir(home.path().join(".ssh")).unwrap();
        assert_eq!(
            read(&source),
            SshHosts {
                source: Some(source.clone()),
                ..SshHosts::default()
            }
        );
        // `~/.ssh` is a file.
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join(".ssh"), "not a folder").unwrap();
        let source = SshConfigSource::in_home(other.path(), None);
        assert_eq!(read(&source).entries, []);
        assert_eq!(read(&source).notes, []);
    }

    #[test]
    fn an_include_loop_stops_with_a_note_and_no_user_name_is_said() {
        let home = tempfile::tempdir().unwrap();
        let ssh = home.path().join(".ssh");
        std::fs::create_dir(&ssh).unwrap();
        std::fs::write(
            ssh.join("config"),
            "Include config\nHost a\n IdentityFile ~/.ssh/%u\n",
        )
        .unwrap();
        let hosts = read(&SshConfigSource::in_home(home.path(), None));
        assert!(hosts.notes.iter().any(|n| n.message.contains("16 levels")));
        assert!(hosts.notes.iter().any(|n| n.message.contains("%u")));
        assert!(hosts.entries.is_empty());
    }

    #[test]
    fn the_line_to_write_names_the_new_key_in_the_old_lines_style() {
        let entry = |text: &str| IdentityEntry {
            hosts: "h".into(),
            config_file: PathBuf::from("/home/me/.ssh/config"),
            line: 3,
            text: text.into(),
            path: PathBuf::from("/home/me/.ssh/old"),
            state: IdentityState::Missing,
        };
        let home = Path::new("/home/me");
        let new = Path::new("/home/me/.ssh/new-2026");
        assert_eq!(
            entry("IdentityFile ~/.ssh/old").replacement(new, home),
            "IdentityFile ~/.ssh/new-2026"
        );
        assert_eq!(
            entry("IdentityFile=%d/.ssh/old").replacement(new, home),
            "IdentityFile ~/.ssh/new-2026"
        );
        assert_eq!(
            entry("IdentityFile /home/me/.ssh/old").replacement(new, home),
            "IdentityFile /home/me/.ssh/new-2026"
        );
        assert_eq!(
            entry("IdentityFile ~/.ssh/old").replacement(Path::new("/keys/a b"), home),
            "IdentityFile \"/keys/a b\""
        );
    }

    #[test]
    fn lines_naming_a_key_are_found_by_fingerprint_or_by_file() {
        let hosts = SshHosts {
            source: None,
            entries: vec![
                IdentityEntry {
                    hosts: "by-key".into(),
                    config_file: PathBuf::from("/c"),
                    line: 1,
                    text: "IdentityFile /elsewhere/copy".into(),
                    path: PathBuf::from("/elsewhere/copy"),
                    state: IdentityState::Key {
                        sha256: Some("SHA256:old".into()),
                    },
                },
                IdentityEntry {
                    hosts: "by-file".into(),
                    config_file: PathBuf::from("/c"),
                    line: 2,
                    text: "IdentityFile /k/old".into(),
                    path: PathBuf::from("/k/old"),
                    state: IdentityState::Missing,
                },
                IdentityEntry {
                    hosts: "other".into(),
                    config_file: PathBuf::from("/c"),
                    line: 3,
                    text: "IdentityFile /k/other".into(),
                    path: PathBuf::from("/k/other"),
                    state: IdentityState::Key {
                        sha256: Some("SHA256:x".into()),
                    },
                },
            ],
            notes: Vec::new(),
        };
        let found: Vec<&str> = hosts
            .naming(Some("SHA256:old"), &[PathBuf::from("/k/old.pub")])
            .iter()
            .map(|e| e.hosts.as_str())
            .collect();
        assert_eq!(found, ["by-key", "by-file"]);
    }
}
