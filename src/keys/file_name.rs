//! Where a private key Keyfleet saves may go: one sanitiser for file names
//! built from a server's key name, the rule for paths the user types, the
//! key folder created 0700 when missing, and removing a saved pair again.
//!
//! A key name comes from a server and may be hostile (`../../.bashrc`,
//! `/etc/x`, a NUL, a leading dot that hides the file). Every save path
//! Keyfleet suggests goes through [`sanitize_file_name`] and
//! [`path_in_folder`], so the file always lands in the chosen folder.

use std::path::{Component, Path, PathBuf};

/// The longest file name suggested; file systems allow 255 bytes, and a
/// `.pub` and temporary suffix must still fit.
const MAX_FILE_NAME_CHARS: usize = 96;

/// The name used when nothing usable is left of a key name.
pub const FALLBACK_FILE_NAME: &str = "keyfleet-key";

/// A file name made from `key_name`: ASCII letters, digits, `-`, `_` and
/// `.` are kept, anything else (`/`, `\`, NUL, control characters, spaces,
/// non-ASCII) becomes `_`. Leading dots are dropped (no hidden file, no
/// `..`), as are trailing dots and underscores; a result with nothing but
/// dots and underscores becomes [`FALLBACK_FILE_NAME`].
pub fn sanitize_file_name(key_name: &str) -> String {
    let cleaned: String = key_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', '_'])
        .trim_end_matches(['.', '_']);
    if trimmed.is_empty() {
        FALLBACK_FILE_NAME.to_string()
    } else {
        trimmed.to_string()
    }
}

/// The file name the save dialogs suggest for a key named `key_name`:
/// `id_<sanitised name>`, as `ssh-keygen` names its files.
pub fn suggested_file_name(key_name: &str) -> String {
    format!("id_{}", sanitize_file_name(key_name))
}

/// `folder` joined with the sanitised `key_name`: always a direct child of
/// `folder`, whatever the name holds.
pub fn path_in_folder(folder: &Path, key_name: &str) -> PathBuf {
    folder.join(sanitize_file_name(key_name))
}

/// The key folder to suggest paths in: `key_dir` when it is absolute, else
/// `~/.ssh` (never a path relative to the current directory). `None` when
/// neither is known.
pub fn absolute_key_dir(key_dir: &Path) -> Option<PathBuf> {
    if key_dir.is_absolute() {
        return Some(key_dir.to_path_buf());
    }
    super::save::default_key_dir()
}

/// Where a path the user typed saves the key: `~/…` in the home folder, an
/// absolute path as it is, a relative one inside `key_dir` (never the
/// current directory). Refused, with the reason, when it is empty, climbs
/// out with `..`, names a folder, or no absolute key folder is known.
pub fn resolve_typed_path(typed: &str, key_dir: Option<&Path>) -> Result<PathBuf, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err("Enter where to save the private key.".into());
    }
    if typed.ends_with('/') || typed.ends_with(std::path::MAIN_SEPARATOR) {
        return Err(format!(
            "{typed} names a folder; add a file name for the key."
        ));
    }
    let home = || directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    let path = match typed.strip_prefix("~/") {
        Some(rest) => home()
            .ok_or("No home folder is known, so ~/ cannot be used; type a full path.")?
            .join(rest),
        None => PathBuf::from(typed),
    };
    if path
        .components()
        .any(|part| matches!(part, Component::ParentDir))
    {
        return Err(format!(
            "{typed} contains \"..\"; type a full path (starting with /) instead."
        ));
    }
    if path.is_absolute() {
        return Ok(path);
    }
    match key_dir.filter(|dir| dir.is_absolute()) {
        Some(dir) => Ok(dir.join(path)),
        None => Err(format!(
            "{typed} is a relative path and no key folder is known to put it in; type a full path (starting with /)."
        )),
    }
}

/// Creates `dir` (and missing parents) with mode 0700 when it does not
/// exist, as `ssh` expects of `~/.ssh`. An existing folder is left as it
/// is; an existing file of that name is an error.
pub fn ensure_key_dir(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => return Err(format!("{} exists and is not a folder.", dir.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(format!("{} cannot be opened: {err}", dir.display())),
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|err| format!("The folder {} could not be created: {err}", dir.display()))
}

/// Deletes a key pair Keyfleet saved at `private_path` (and its `.pub`),
/// but only while the private key file still holds the key with
/// fingerprint `sha256`: a file replaced since is left alone. Returns the
/// files removed.
pub fn remove_saved_pair(private_path: &Path, sha256: &str) -> Result<Vec<PathBuf>, String> {
    let shown = private_path.display();
    let text = super::private::read_private_key_file(private_path)
        .map_err(|err| format!("{shown} was not deleted: {err}"))?;
    let info = super::private::inspect_private_key(&text, None)
        .map_err(|err| format!("{shown} was not deleted: {err}"))?;
    if info.public.fingerprint_sha256 != sha256 {
        return Err(format!(
            "{shown} no longer holds the new key (another file is there now); it was not deleted."
        ));
    }
    let mut public_name = private_path.as_os_str().to_owned();
    public_name.push(".pub");
    let public_path = PathBuf::from(public_name);
    let mut removed = Vec::new();
    std::fs::remove_file(private_path)
        .map_err(|err| format!("{shown} could not be deleted: {err}"))?;
    removed.push(private_path.to_path_buf());
    // The .pub goes only if it is this key's public half.
    let public_matches = super::public::read_public_key_file(&public_path)
        .is_ok_and(|public| public.fingerprint_sha256 == sha256);
    if public_matches {
        std::fs::remove_file(&public_path)
            .map_err(|err| format!("{} could not be deleted: {err}", public_path.display()))?;
        removed.push(public_path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_inside_the_folder() {
        let folder = Path::new("/home/me/.ssh");
        let hostile = [
            "../../.bashrc",
            "/etc/passwd",
            "..\\..\\windows",
            "a/../../b",
            "nul\0byte",
            "line\nbreak\u{1b}[31m",
            ".hidden",
            "...",
            "..",
            "",
            "   ",
            "ключ",
            "~/.ssh/authorized_keys",
        ];
        for name in hostile {
            let path = path_in_folder(folder, name);
            assert_eq!(path.parent(), Some(folder), "{name:?} -> {path:?}");
            let file = path.file_name().unwrap().to_str().unwrap();
            assert!(!file.starts_with('.'), "{name:?} -> {file}");
            assert!(
                file.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
                "{name:?} -> {file}"
            );
            assert_eq!(
                path.components().count(),
                folder.components().count() + 1,
                "{name:?}"
            );
        }
        assert_eq!(sanitize_file_name("../../.bashrc"), "bashrc");
        assert_eq!(sanitize_file_name("laptop-2026-12-01"), "laptop-2026-12-01");
        assert_eq!(sanitize_file_name("my key/1"), "my_key_1");
        assert_eq!(sanitize_file_name(".."), FALLBACK_FILE_NAME);
        assert_eq!(sanitize_file_name(""), FALLBACK_FILE_NAME);
        assert_eq!(
            sanitize_file_name(&"x".repeat(1000)).len(),
            MAX_FILE_NAME_CHARS
        );
        assert_eq!(suggested_file_name("deploy key"), "id_deploy_key");
        assert_eq!(suggested_file_name("/"), "id_keyfleet-key");
    }

    #[test]
    fn typed_paths_never_resolve_against_the_current_directory() {
        let dir = Path::new("/home/me/.ssh");
        assert_eq!(
            resolve_typed_path("work-key", Some(dir)).unwrap(),
            dir.join("work-key")
        );
        assert_eq!(
            resolve_typed_path("sub/k", Some(dir)).unwrap(),
            dir.join("sub/k")
        );
        assert_eq!(
            resolve_typed_path(" /tmp/k ", Some(dir)).unwrap(),
            Path::new("/tmp/k")
        );
        let refused = resolve_typed_path("work-key", None).unwrap_err();
        assert!(refused.contains("relative"), "{refused}");
        let refused = resolve_typed_path("work-key", Some(Path::new("rel"))).unwrap_err();
        assert!(refused.contains("relative"), "{refused}");
        assert!(
            resolve_typed_path("../k", Some(dir))
                .unwrap_err()
                .contains("..")
        );
        assert!(resolve_typed_path("/a/../k", Some(dir)).is_err());
        assert!(resolve_typed_path("", Some(dir)).is_err());
        assert!(
            resolve_typed_path("/tmp/", Some(dir))
                .unwrap_err()
                .contains("folder")
        );
        if let Some(home) = directories::BaseDirs::new() {
            assert_eq!(
                resolve_typed_path("~/k", Some(dir)).unwrap(),
                home.home_dir().join("k")
            );
        }
        assert_eq!(absolute_key_dir(Path::new("/x")), Some(PathBuf::from("/x")));
        assert!(absolute_key_dir(Path::new("")).is_none_or(|dir| dir.is_absolute()));
    }

    #[cfg(unix)]
    #[test]
    fn a_missing_key_folder_is_created_0700() {
        use std::os::unix::fs::PermissionsExt as _;
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("home").join(".ssh");
        ensure_key_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // Existing: left alone.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
        ensure_key_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
        let file = temp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(ensure_key_dir(&file).unwrap_err().contains("not a folder"));
    }

    #[test]
    fn only_the_saved_key_is_removed() {
        use crate::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};
        use crate::keys::save::save_private_key;
        let key = |comment: &str| {
            generate(&GenerateRequest {
                algorithm: KeyAlgorithm::Ed25519,
                comment: comment.into(),
                passphrase: None,
                encoding: PrivateKeyEncoding::OpenSsh,
            })
            .unwrap()
        };
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("new");
        let saved = key("new");
        save_private_key(&path, &saved.private_key, &saved.public.openssh, None).unwrap();
        let other = key("other");
        let refused = remove_saved_pair(&path, &other.public.fingerprint_sha256).unwrap_err();
        assert!(refused.contains("no longer holds"), "{refused}");
        assert!(path.exists());
        let removed = remove_saved_pair(&path, &saved.public.fingerprint_sha256).unwrap();
        assert_eq!(removed, [path.clone(), temp.path().join("new.pub")]);
        assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0);
        assert!(remove_saved_pair(&path, &saved.public.fingerprint_sha256).is_err());
    }
}
