//! Saving a private key and its `.pub` file safely: never overwriting, the
//! private key created with mode 0600 from the start, and both files read
//! back and checked before reporting success.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use ssh_key::PublicKey;
use ssh_key::public::KeyData;

use super::private::{inspect_private_key, read_private_key_file};
use super::public::{parse_public_key, read_public_key_file};
use super::{KeyError, SecretString};

/// Where a private key was saved, and how the saved files were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedKey {
    /// The private key file (mode 0600).
    pub private_path: PathBuf,
    /// The public key file beside it (mode 0644), when one was written.
    pub public_path: Option<PathBuf>,
    /// What reading the files back proved.
    pub verified: SaveVerification,
    /// Why no `.pub` file was written although the server sent a public
    /// key (it is not one Keyfleet can read); `None` otherwise.
    pub public_skipped: Option<String>,
}

/// What was checked after a save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveVerification {
    /// Both files were read back, the private key opened and both hold the
    /// expected key.
    KeyPair,
    /// The private key file was read back and is byte for byte what was
    /// received; Keyfleet could not check it as a key.
    ExactBytes,
}

/// Saves a private key at `path` and its public key at `path.pub`.
///
/// Refuses when either file exists ([`KeyError::AlreadyExists`]), when the
/// folder is missing ([`KeyError::MissingFolder`]) or cannot be written
/// ([`KeyError::WriteFailed`] with the OS reason). The private key and public
/// key must be a pair ([`KeyError::KeyPairMismatch`], checked before writing).
/// The private key is written as given, except that CRLF line ends become LF
/// (OpenSSH refuses CRLF in its own format). Each file is written to a
/// temporary file in the same folder (the private one created with mode
/// 0600), synced, then linked into place without ever
/// replacing an existing file. Both files are then read back: the private
/// key must open (with `passphrase` when encrypted) and both must hold the
/// same key as `public_key_openssh`. On any failure, whatever was written is
/// removed, so no partial private key is left behind.
pub fn save_private_key(
    path: &Path,
    private_key: &SecretString,
    public_key_openssh: &str,
    passphrase: Option<&SecretString>,
) -> Result<SavedKey, KeyError> {
    let folder = check_target(path)?;
    let public_path = public_path_for(path);
    refuse_existing(&public_path)?;

    // Check the pair in memory first, so mismatched input never touches disk.
    let public = parse_public_key(public_key_openssh)?;
    let expected = key_data_of(&public.openssh)
        .ok_or_else(|| KeyError::NotAPublicKey("it could not be decoded".into()))?;
    let info = inspect_private_key(private_key, None)?;
    if key_data_of(&info.public.openssh).as_ref() != Some(&expected) {
        return Err(KeyError::KeyPairMismatch);
    }

    // OpenSSH refuses CRLF line ends in its own key format (a paste from
    // Windows has them); the key checked above is the same with LF.
    let lf_text = SecretString::new(private_key.expose().replace("\r\n", "\n"));
    write_new_file(&folder, path, lf_text.expose().as_bytes(), 0o600, true)?;
    let public_line = format!("{}\n", public.openssh);
    if let Err(err) = write_new_file(&folder, &public_path, public_line.as_bytes(), 0o644, true) {
        remove_quietly(path);
        return Err(err);
    }
    sync_folder(&folder);

    if let Err(reason) = verify(path, &public_path, passphrase, &expected) {
        remove_quietly(path);
        remove_quietly(&public_path);
        sync_folder(&folder);
        return Err(KeyError::VerifyFailed(reason));
    }
    Ok(SavedKey {
        private_path: path.to_path_buf(),
        public_path: Some(public_path),
        verified: SaveVerification::KeyPair,
        public_skipped: None,
    })
}

/// Saves a private key exactly as a server sent it, for when Keyfleet cannot
/// read it (or it does not match the public key the server sent): OpenSSH
/// may still use it, and the server will not show it again, so losing it is
/// worse than saving bytes Keyfleet cannot check.
///
/// The same safety as [`save_private_key`] applies: a new file with mode
/// 0600, never overwriting. It is read back and must equal `private_key`
/// byte for byte. `public_key`, when the server sent one, is written as
/// received (one line) to `path.pub`, but only if it reads as an OpenSSH
/// public key: this is the path where the pair did not check out, and a
/// `.pub` is shared and installed without a second look. Otherwise no
/// `.pub` file is made, and [`SavedKey::public_skipped`] says why.
pub fn save_private_key_as_received(
    path: &Path,
    private_key: &SecretString,
    public_key: Option<&str>,
) -> Result<SavedKey, KeyError> {
    let folder = check_target(path)?;
    let sent = public_key.map(str::trim).filter(|line| !line.is_empty());
    let (public, public_skipped) = match sent.map(checked_public_line) {
        None => (None, None),
        Some(Ok(line)) => (Some(line), None),
        Some(Err(reason)) => (
            None,
            Some(format!(
                "No .pub file was written: the public key the server sent is not usable ({reason})"
            )),
        ),
    };
    let public_path = public.map(|_| public_path_for(path));
    if let Some(public_path) = &public_path {
        refuse_existing(public_path)?;
    }
    let bytes = private_key.expose().as_bytes();
    write_new_file(&folder, path, bytes, 0o600, false)?;
    if let (Some(line), Some(public_path)) = (public, &public_path) {
        let public_line = format!("{line}\n");
        if let Err(err) = write_new_file(&folder, public_path, public_line.as_bytes(), 0o644, false)
        {
            remove_quietly(path);
            return Err(err);
        }
    }
    sync_folder(&folder);
    let read_back = std::fs::read(path).map(zeroize::Zeroizing::new);
    let same = matches!(&read_back, Ok(read) if read.as_slice() == bytes);
    if !same {
        remove_quietly(path);
        if let Some(public_path) = &public_path {
            remove_quietly(public_path);
        }
        sync_folder(&folder);
        let reason = match read_back {
            Ok(_) => format!(
                "{} does not hold the bytes that were written",
                path.display()
            ),
            Err(err) => format!("reading {} back failed: {err}", path.display()),
        };
        return Err(KeyError::VerifyFailed(reason));
    }
    Ok(SavedKey {
        private_path: path.to_path_buf(),
        public_path,
        verified: SaveVerification::ExactBytes,
        public_skipped,
    })
}

/// The folder Keyfleet suggests for new keys: `~/.ssh` (from `HOME`),
/// whether or not it exists yet; `None` when no home folder is known.
pub fn default_key_dir() -> Option<PathBuf> {
    directories::BaseDirs::new()
        .map(|dirs| dirs.home_dir().join(".ssh"))
        .filter(|dir| dir.is_absolute())
}

/// `line` when it is exactly one OpenSSH public key line; else why not
/// (the reason quotes no key material).
fn checked_public_line(line: &str) -> Result<&str, String> {
    if line.lines().count() != 1 {
        return Err("it spans several lines".into());
    }
    parse_public_key(line)
        .map(|_| line)
        .map_err(|err| err.to_string().trim_end_matches('.').to_string())
}

/// Checks that `path` can take a new private key file, and returns its folder:
/// the path is absolute (a relative one would resolve against wherever
/// Keyfleet was started), the folder exists (the default key folder,
/// `~/.ssh`, is created with mode 0700 when missing), the name is a file
/// name that does not end in `.pub` (the name every tool reads as a public
/// key, which users share), and no file is there yet.
fn check_target(path: &Path) -> Result<PathBuf, KeyError> {
    check_target_with_default(path, default_key_dir().as_deref())
}

/// [`check_target`] with the default key folder given (tests).
fn check_target_with_default(path: &Path, default_dir: Option<&Path>) -> Result<PathBuf, KeyError> {
    if !path.is_absolute() {
        return Err(KeyError::RelativePath(path.display().to_string()));
    }
    let Some(folder) = path.parent().map(Path::to_path_buf) else {
        return Err(KeyError::WriteFailed(format!(
            "{} does not name a file",
            path.display()
        )));
    };
    match std::fs::metadata(&folder) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(KeyError::WriteFailed(format!(
                "{} is not a folder",
                folder.display()
            )));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if default_dir != Some(folder.as_path()) {
                return Err(KeyError::MissingFolder(folder.display().to_string()));
            }
            create_private_folder(&folder)?;
        }
        Err(err) => {
            return Err(KeyError::WriteFailed(format!(
                "cannot open the folder {}: {err}",
                folder.display()
            )));
        }
    }
    if path.file_name().is_none() {
        return Err(KeyError::WriteFailed(format!(
            "{} does not name a file",
            path.display()
        )));
    }
    if path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("pub"))
    {
        return Err(KeyError::PublicNameForPrivateKey(
            path.display().to_string(),
        ));
    }
    refuse_existing(path)?;
    Ok(folder)
}

/// Creates the key folder with mode 0700, as OpenSSH expects of `~/.ssh`.
/// Only the folder itself: a missing home folder is not made up.
fn create_private_folder(folder: &Path) -> Result<(), KeyError> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(folder) {
        Ok(()) => {}
        // Made meanwhile (another save): use it as it is.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyError::MissingFolder(folder.display().to_string()));
        }
        Err(err) => {
            return Err(KeyError::WriteFailed(format!(
                "cannot create the folder {}: {err}",
                folder.display()
            )));
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The umask may have removed bits of 0700: set it exactly.
        let _ = std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

fn refuse_existing(target: &Path) -> Result<(), KeyError> {
    // symlink_metadata: a dangling symlink also counts as "exists".
    if std::fs::symlink_metadata(target).is_ok() {
        return Err(KeyError::AlreadyExists(target.display().to_string()));
    }
    Ok(())
}

/// The `.pub` path for a private key path: `id_x` -> `id_x.pub`.
pub fn public_path_for(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".pub");
    PathBuf::from(name)
}

fn key_data_of(openssh: &str) -> Option<KeyData> {
    PublicKey::from_openssh(openssh)
        .ok()
        .map(|key| key.key_data().clone())
}

/// Reads both files back and checks they hold `expected`. The reason
/// names the file and problem, never key material.
fn verify(
    private_path: &Path,
    public_path: &Path,
    passphrase: Option<&SecretString>,
    expected: &KeyData,
) -> Result<(), String> {
    let text = read_private_key_file(private_path)
        .map_err(|err| format!("reading {} back failed: {err}", private_path.display()))?;
    let info = inspect_private_key(&text, passphrase)
        .map_err(|err| format!("{} did not open: {err}", private_path.display()))?;
    if key_data_of(&info.public.openssh).as_ref() != Some(expected) {
        return Err(format!("{} holds a different key", private_path.display()));
    }
    let public = read_public_key_file(public_path)
        .map_err(|err| format!("reading {} back failed: {err}", public_path.display()))?;
    if key_data_of(&public.openssh).as_ref() != Some(expected) {
        return Err(format!("{} holds a different key", public_path.display()));
    }
    Ok(())
}

/// Writes `content` to a new file at `target`, never replacing an existing
/// one: a temporary file in `folder` (created with `mode`) is filled, synced
/// and then linked into place with a no-clobber rename. With
/// `ensure_newline`, a missing final newline is added.
fn write_new_file(
    folder: &Path,
    target: &Path,
    content: &[u8],
    mode: u32,
    ensure_newline: bool,
) -> Result<(), KeyError> {
    let shown = target.display().to_string();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".keyfleet-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with this mode from the start: the key is never readable by others.
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut temp = builder.tempfile_in(folder).map_err(|err| {
        KeyError::WriteFailed(format!(
            "cannot create a file in {}: {err}",
            folder.display()
        ))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The umask may have narrowed the requested mode (e.g. 0644 -> 0640); set it exactly.
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|err| {
                KeyError::WriteFailed(format!("cannot set permissions on {shown}: {err}"))
            })?;
    }
    let needs_newline = ensure_newline && !content.ends_with(b"\n");
    let written = temp
        .write_all(content)
        .and_then(|()| {
            if needs_newline {
                temp.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| temp.as_file().sync_all());
    if let Err(err) = written {
        // Dropping `temp` removes the temporary file.
        return Err(KeyError::WriteFailed(format!(
            "writing {shown} failed: {err}"
        )));
    }
    match temp.persist_noclobber(target) {
        Ok(_file) => Ok(()),
        Err(err) if err.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(KeyError::AlreadyExists(shown))
        }
        Err(err) => Err(KeyError::WriteFailed(format!(
            "moving the key into {shown} failed: {}",
            err.error
        ))),
    }
}

fn remove_quietly(path: &Path) {
    // Best effort: the caller already reports the original failure.
    let _ = std::fs::remove_file(path);
}

/// Makes the new directory entries durable; failure only weakens crash safety.
fn sync_folder(folder: &Path) {
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate::{GenerateRequest, KeyAlgorithm, PrivateKeyEncoding, generate};

    fn ed25519() -> crate::keys::generate::GeneratedKey {
        generate(&GenerateRequest {
            algorithm: KeyAlgorithm::Ed25519,
            comment: "save@test".into(),
            passphrase: None,
            encoding: PrivateKeyEncoding::OpenSsh,
        })
        .unwrap()
    }

    #[test]
    fn public_path_appends_pub() {
        assert_eq!(
            public_path_for(Path::new("/a/id_x")),
            PathBuf::from("/a/id_x.pub")
        );
        assert_eq!(
            public_path_for(Path::new("id.key")),
            PathBuf::from("id.key.pub")
        );
    }

    #[test]
    fn mismatched_pair_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (ed25519(), ed25519());
        let path = dir.path().join("id_a");
        let err = save_private_key(&path, &a.private_key, &b.public.openssh, None).unwrap_err();
        assert_eq!(err, KeyError::KeyPairMismatch);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn existing_pub_file_blocks_saving_and_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let key = ed25519();
        let path = dir.path().join("id_a");
        std::fs::write(public_path_for(&path), "keep me").unwrap();
        let err = save_private_key(&path, &key.private_key, &key.public.openssh, None).unwrap_err();
        assert!(
            matches!(err, KeyError::AlreadyExists(ref p) if p.ends_with("id_a.pub")),
            "{err:?}"
        );
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_to_string(public_path_for(&path)).unwrap(),
            "keep me"
        );
    }

    #[test]
    fn no_temporary_files_are_left_after_success() {
        let dir = tempfile::tempdir().unwrap();
        let key = ed25519();
        let saved = save_private_key(
            &dir.path().join("id_ok"),
            &key.private_key,
            &key.public.openssh,
            None,
        )
        .unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["id_ok", "id_ok.pub"]);
        assert_eq!(
            std::fs::read_to_string(saved.public_path.as_ref().unwrap()).unwrap(),
            format!("{}\n", key.public.openssh)
        );
    }

    #[test]
    fn a_bare_file_name_is_refused_and_nothing_lands_in_the_current_folder() {
        let key = ed25519();
        let before: Vec<_> = std::fs::read_dir(".")
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        for relative in [
            "id_bare_name_test",
            "keys/id_bare_name_test",
            "./id_bare_name_test",
        ] {
            let err = save_private_key(
                Path::new(relative),
                &key.private_key,
                &key.public.openssh,
                None,
            )
            .unwrap_err();
            assert_eq!(err, KeyError::RelativePath(relative.into()));
            assert!(err.to_string().contains("not a full path"), "{err}");
            let err = save_private_key_as_received(Path::new(relative), &key.private_key, None)
                .unwrap_err();
            assert!(matches!(err, KeyError::RelativePath(_)), "{err:?}");
        }
        let after: Vec<_> = std::fs::read_dir(".")
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(before, after);
    }

    #[test]
    fn the_default_folder_is_made_with_mode_0700_and_no_other() {
        let home = tempfile::tempdir().unwrap();
        let default = home.path().join(".ssh");
        let path = default.join("id_new");
        assert_eq!(
            check_target_with_default(&path, Some(&default)),
            Ok(default.clone())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&default).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
        // Any other missing folder is the user's typo, not made up.
        let other = home.path().join("typo").join("id_new");
        assert_eq!(
            check_target_with_default(&other, Some(&default)),
            Err(KeyError::MissingFolder(
                home.path().join("typo").display().to_string()
            ))
        );
        assert!(!home.path().join("typo").exists());
        // No home folder to make `.ssh` in: said so, nothing made.
        let gone = home.path().join("gone").join(".ssh");
        assert!(matches!(
            check_target_with_default(&gone.join("id"), Some(&gone)),
            Err(KeyError::MissingFolder(_))
        ));
    }

    #[test]
    fn saving_as_received_writes_a_pub_only_when_it_is_a_public_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = ed25519();
        let received = SecretString::new("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n");
        let private_pem = key.private_key.expose().to_string();
        let not_public = [
            ("garbage", "<html>502 Bad Gateway</html>"),
            ("private", private_pem.as_str()),
            ("two", "ssh-ed25519 AAAA x\nssh-ed25519 AAAA y"),
        ];
        for (name, sent) in not_public {
            let path = dir.path().join(name);
            let saved = save_private_key_as_received(&path, &received, Some(sent)).unwrap();
            assert_eq!(saved.public_path, None, "{name}");
            let reason = saved.public_skipped.unwrap();
            assert!(reason.contains("No .pub file was written"), "{reason}");
            assert!(!reason.contains("PRIVATE KEY"), "{reason}");
            assert!(!public_path_for(&path).exists(), "{name}");
            assert_eq!(std::fs::read(&path).unwrap(), received.expose().as_bytes());
        }
        let path = dir.path().join("good");
        let saved =
            save_private_key_as_received(&path, &received, Some(&key.public.openssh)).unwrap();
        assert_eq!(saved.public_skipped, None);
        assert_eq!(
            std::fs::read_to_string(saved.public_path.unwrap()).unwrap(),
            format!("{}\n", key.public.openssh)
        );
    }
}
