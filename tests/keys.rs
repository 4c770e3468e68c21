//! Local key handling against the real `ssh-keygen`: generated keys must be
//! readable by OpenSSH with the same fingerprints, keys made by ssh-keygen
//! must be readable by Keyfleet, and saving must be safe.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use keyfleet::keys::KeyError;
use keyfleet::keys::SecretString;
use keyfleet::keys::generate::{
    GenerateRequest, GeneratedKey, KeyAlgorithm, PrivateKeyEncoding, generate,
};
use keyfleet::keys::private::{
    PrivateKeyFormat, check_private_key_for_upload, inspect_private_key, read_private_key_file,
};
use keyfleet::keys::public::{parse_public_key, read_public_key_file};
use keyfleet::keys::save::{public_path_for, save_private_key};
use proptest::prelude::*;

const PASSPHRASE: &str = "correct horse battery staple";

/// Runs ssh-keygen with stdin closed (so it can never wait for a prompt) and
/// fails loudly when it is not installed: these checks must not pass silently.
fn ssh_keygen(args: &[&str]) -> Output {
    match Command::new("ssh-keygen")
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "ssh-keygen is not installed, but these tests cross-check keys with it; \
             install openssh-client (apt-get install openssh-client)"
        ),
        Err(err) => panic!("could not run ssh-keygen {args:?}: {err}"),
    }
}

fn ssh_keygen_ok(args: &[&str]) -> String {
    let output = ssh_keygen(args);
    assert!(
        output.status.success(),
        "ssh-keygen {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `algorithm base64` of an OpenSSH public key line, ignoring the comment.
fn key_data(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn generate_key(
    algorithm: KeyAlgorithm,
    encoding: PrivateKeyEncoding,
    passphrase: Option<&str>,
) -> GeneratedKey {
    generate(&GenerateRequest {
        algorithm,
        comment: "keyfleet@test".into(),
        passphrase: passphrase.map(SecretString::from),
        encoding,
    })
    .unwrap_or_else(|err| panic!("generating {algorithm:?} {encoding:?}: {err}"))
}

/// Generates, saves, and checks the saved pair with ssh-keygen: `-y` derives
/// the same public key, and `-l` prints the same SHA256 and MD5 fingerprints.
fn round_trip(algorithm: KeyAlgorithm, encoding: PrivateKeyEncoding, passphrase: Option<&str>) {
    let started = Instant::now();
    let key = generate_key(algorithm, encoding, passphrase);
    eprintln!(
        "generate {} {encoding:?} (passphrase: {}) took {:?}",
        algorithm.label(),
        passphrase.is_some(),
        started.elapsed()
    );
    assert_eq!(key.encrypted, passphrase.is_some());
    assert_eq!(key.encoding, encoding);
    assert_eq!(key.public.comment, "keyfleet@test");
    let expected_header = match (encoding, algorithm) {
        (PrivateKeyEncoding::OpenSsh, _) => "-----BEGIN OPENSSH PRIVATE KEY-----",
        (PrivateKeyEncoding::Pem, KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096) => {
            "-----BEGIN RSA PRIVATE KEY-----"
        }
        (PrivateKeyEncoding::Pem, _) => "-----BEGIN EC PRIVATE KEY-----",
    };
    assert!(key.private_key.expose().starts_with(expected_header));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id_test");
    let secret_pass = passphrase.map(SecretString::from);
    let saved = save_private_key(
        &path,
        &key.private_key,
        &key.public.openssh,
        secret_pass.as_ref(),
    )
    .unwrap();
    assert_eq!(saved.private_path, path);
    let public_path = saved.public_path.clone().expect("a .pub file is written");
    assert_eq!(public_path, public_path_for(&path));
    #[cfg(unix)]
    {
        assert_eq!(mode_of(&saved.private_path), 0o600);
        assert_eq!(mode_of(&public_path), 0o644);
    }

    let derived = ssh_keygen_ok(&["-y", "-P", passphrase.unwrap_or(""), "-f", path_str(&path)]);
    assert_eq!(
        key_data(&derived),
        key_data(&key.public.openssh),
        "ssh-keygen -y for {algorithm:?}"
    );

    let sha = ssh_keygen_ok(&["-l", "-E", "sha256", "-f", path_str(&public_path)]);
    assert_eq!(
        sha.split_whitespace().nth(1),
        Some(key.public.fingerprint_sha256.as_str())
    );
    let md5 = ssh_keygen_ok(&["-l", "-E", "md5", "-f", path_str(&public_path)]);
    let expected_md5 = format!("MD5:{}", key.public.fingerprint_md5);
    assert_eq!(md5.split_whitespace().nth(1), Some(expected_md5.as_str()));

    // Reading the saved files back through our own API agrees too.
    let text = read_private_key_file(&path).unwrap();
    let info = inspect_private_key(&text, secret_pass.as_ref()).unwrap();
    assert_eq!(info.encrypted, passphrase.is_some());
    assert_eq!(info.format.is_pem(), encoding == PrivateKeyEncoding::Pem);
    assert_eq!(
        key_data(&info.public.openssh),
        key_data(&key.public.openssh)
    );
    assert_eq!(read_public_key_file(&public_path).unwrap(), key.public);

    if passphrase.is_some() {
        let wrong =
            inspect_private_key(&text, Some(&SecretString::new("not the passphrase"))).unwrap_err();
        assert_eq!(wrong, KeyError::WrongPassphrase);
        // Without the passphrase the public half is still readable.
        let info = inspect_private_key(&text, None).unwrap();
        assert!(info.encrypted);
        assert_eq!(
            info.public.fingerprint_sha256,
            key.public.fingerprint_sha256
        );
        assert_eq!(
            check_private_key_for_upload(&text).unwrap_err(),
            KeyError::EncryptedNotAllowed
        );
    }
}

#[test]
fn ed25519_round_trips_through_ssh_keygen() {
    round_trip(KeyAlgorithm::Ed25519, PrivateKeyEncoding::OpenSsh, None);
    round_trip(
        KeyAlgorithm::Ed25519,
        PrivateKeyEncoding::OpenSsh,
        Some(PASSPHRASE),
    );
}

#[test]
fn rsa_3072_round_trips_through_ssh_keygen() {
    round_trip(KeyAlgorithm::Rsa3072, PrivateKeyEncoding::OpenSsh, None);
    round_trip(
        KeyAlgorithm::Rsa3072,
        PrivateKeyEncoding::OpenSsh,
        Some(PASSPHRASE),
    );
    round_trip(KeyAlgorithm::Rsa3072, PrivateKeyEncoding::Pem, None);
}

#[test]
fn rsa_4096_round_trips_through_ssh_keygen() {
    round_trip(KeyAlgorithm::Rsa4096, PrivateKeyEncoding::OpenSsh, None);
    round_trip(
        KeyAlgorithm::Rsa4096,
        PrivateKeyEncoding::OpenSsh,
        Some(PASSPHRASE),
    );
}

#[test]
fn rsa_4096_pem_is_read_by_ssh_keygen_and_fits_terraform() {
    round_trip(KeyAlgorithm::Rsa4096, PrivateKeyEncoding::Pem, None);
    let key = generate_key(KeyAlgorithm::Rsa4096, PrivateKeyEncoding::Pem, None);
    let check = check_private_key_for_upload(&key.private_key).unwrap();
    assert_eq!(check.info.format, PrivateKeyFormat::PemRsa);
    assert!(check.warnings.is_empty(), "{:?}", check.warnings);
}

#[test]
fn ecdsa_p256_round_trips_through_ssh_keygen() {
    round_trip(KeyAlgorithm::EcdsaP256, PrivateKeyEncoding::OpenSsh, None);
    round_trip(
        KeyAlgorithm::EcdsaP256,
        PrivateKeyEncoding::OpenSsh,
        Some(PASSPHRASE),
    );
    round_trip(KeyAlgorithm::EcdsaP256, PrivateKeyEncoding::Pem, None);
}

#[test]
fn ecdsa_p384_round_trips_through_ssh_keygen() {
    round_trip(KeyAlgorithm::EcdsaP384, PrivateKeyEncoding::OpenSsh, None);
    round_trip(
        KeyAlgorithm::EcdsaP384,
        PrivateKeyEncoding::OpenSsh,
        Some(PASSPHRASE),
    );
    round_trip(KeyAlgorithm::EcdsaP384, PrivateKeyEncoding::Pem, None);
}

/// Makes a key with ssh-keygen and returns (private key file, public key line).
fn keygen_file(dir: &Path, name: &str, args: &[&str]) -> (std::path::PathBuf, String) {
    let path = dir.join(name);
    let mut all = vec!["-q", "-C", "made@ssh-keygen", "-f", path_str(&path)];
    all.extend_from_slice(args);
    ssh_keygen_ok(&all);
    let public = std::fs::read_to_string(public_path_for(&path)).unwrap();
    (path, public.trim().to_string())
}

#[test]
fn reads_keys_made_by_ssh_keygen() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str], PrivateKeyFormat, &str); 8] = [
        (
            "ed25519",
            &["-t", "ed25519", "-N", ""],
            PrivateKeyFormat::OpenSsh,
            "ssh-ed25519",
        ),
        (
            "rsa",
            &["-t", "rsa", "-b", "3072", "-N", ""],
            PrivateKeyFormat::OpenSsh,
            "ssh-rsa",
        ),
        (
            "ecdsa256",
            &["-t", "ecdsa", "-b", "256", "-N", ""],
            PrivateKeyFormat::OpenSsh,
            "ecdsa-sha2-nistp256",
        ),
        (
            "ecdsa384",
            &["-t", "ecdsa", "-b", "384", "-N", ""],
            PrivateKeyFormat::OpenSsh,
            "ecdsa-sha2-nistp384",
        ),
        (
            "rsa_pem",
            &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""],
            PrivateKeyFormat::PemRsa,
            "ssh-rsa",
        ),
        (
            "ecdsa_pem",
            &["-t", "ecdsa", "-b", "384", "-m", "PEM", "-N", ""],
            PrivateKeyFormat::PemEc,
            "ecdsa-sha2-nistp384",
        ),
        (
            "rsa_pkcs8",
            &["-t", "rsa", "-b", "2048", "-m", "PKCS8", "-N", ""],
            PrivateKeyFormat::PemPkcs8,
            "ssh-rsa",
        ),
        (
            "ecdsa_pkcs8",
            &["-t", "ecdsa", "-b", "256", "-m", "PKCS8", "-N", ""],
            PrivateKeyFormat::PemPkcs8,
            "ecdsa-sha2-nistp256",
        ),
    ];
    for (name, args, format, algorithm) in cases {
        let (path, public_line) = keygen_file(dir.path(), name, args);
        let text = read_private_key_file(&path).unwrap();
        let info = inspect_private_key(&text, None).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(info.format, format, "{name}");
        assert!(!info.encrypted, "{name}");
        assert_eq!(info.public.algorithm, algorithm, "{name}");
        assert_eq!(
            key_data(&info.public.openssh),
            key_data(&public_line),
            "{name}"
        );

        let public = parse_public_key(&public_line).unwrap();
        assert_eq!(public.comment, "made@ssh-keygen");
        assert_eq!(
            public.fingerprint_sha256, info.public.fingerprint_sha256,
            "{name}"
        );
        let sha = ssh_keygen_ok(&[
            "-l",
            "-E",
            "sha256",
            "-f",
            path_str(&public_path_for(&path)),
        ]);
        assert_eq!(
            sha.split_whitespace().nth(1),
            Some(public.fingerprint_sha256.as_str()),
            "{name}"
        );

        // A pasted private key is never accepted as a public key.
        assert_eq!(
            parse_public_key(text.expose()),
            Err(KeyError::PrivateKeyGiven),
            "{name}"
        );
    }
}

#[test]
fn reads_encrypted_keys_made_by_ssh_keygen() {
    let dir = tempfile::tempdir().unwrap();
    let (path, public_line) = keygen_file(dir.path(), "enc", &["-t", "ed25519", "-N", PASSPHRASE]);
    let text = read_private_key_file(&path).unwrap();

    let locked = inspect_private_key(&text, None).unwrap();
    assert!(locked.encrypted);
    assert_eq!(key_data(&locked.public.openssh), key_data(&public_line));

    let unlocked = inspect_private_key(&text, Some(&SecretString::new(PASSPHRASE))).unwrap();
    assert!(unlocked.encrypted);
    assert_eq!(unlocked.public.comment, "made@ssh-keygen");
    assert_eq!(unlocked.public.openssh, public_line);

    let wrong = inspect_private_key(&text, Some(&SecretString::new("wrong"))).unwrap_err();
    assert_eq!(wrong, KeyError::WrongPassphrase);
    assert!(!wrong.to_string().contains("wrong\""));

    // Encrypted PEM (ssh-keygen -m PEM with a passphrase) is detected as such.
    let (pem_path, _) = keygen_file(
        dir.path(),
        "enc_pem",
        &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", PASSPHRASE],
    );
    let pem = read_private_key_file(&pem_path).unwrap();
    assert_eq!(
        inspect_private_key(&pem, None).unwrap_err(),
        KeyError::Encrypted
    );
    assert_eq!(
        check_private_key_for_upload(&pem).unwrap_err(),
        KeyError::EncryptedNotAllowed
    );
}

#[test]
fn reads_an_ed25519_pkcs8_key_from_openssl() {
    // Made with `openssl genpkey -algorithm ed25519` (a throwaway test key);
    // the public line was built from `openssl pkey -pubout` (ssh-keygen cannot
    // read this format, so the expectation is fixed here).
    let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIOVN69bKqMZSOE/cwSVzNwxUAGJwKNXLRpSk6z3M59Ps\n-----END PRIVATE KEY-----\n";
    let info = inspect_private_key(&SecretString::new(pem), None).unwrap();
    assert_eq!(info.format, PrivateKeyFormat::PemPkcs8);
    assert_eq!(
        info.public.openssh,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHp4tyV6ZZJaa72yxmdbv2vrIdV9JSmeF/wsXmD1/cWi"
    );
}

#[test]
fn terraform_key_checks() {
    let rsa_pem = generate_key(KeyAlgorithm::Rsa3072, PrivateKeyEncoding::Pem, None);
    let check = check_private_key_for_upload(&rsa_pem.private_key).unwrap();
    assert_eq!(check.info.format, PrivateKeyFormat::PemRsa);
    assert!(check.warnings.is_empty());
    assert_eq!(
        check.info.public.fingerprint_sha256,
        rsa_pem.public.fingerprint_sha256
    );

    let ed = generate_key(KeyAlgorithm::Ed25519, PrivateKeyEncoding::OpenSsh, None);
    let check = check_private_key_for_upload(&ed.private_key).unwrap();
    assert_eq!(check.info.format, PrivateKeyFormat::OpenSsh);
    assert_eq!(check.warnings.len(), 1);
    assert!(check.warnings[0].contains("PEM"), "{}", check.warnings[0]);

    let ecdsa = generate_key(KeyAlgorithm::EcdsaP256, PrivateKeyEncoding::OpenSsh, None);
    let check = check_private_key_for_upload(&ecdsa.private_key).unwrap();
    assert!(
        check.warnings[0].contains("ssh-keygen -p -m PEM -N \"\" -f KEY"),
        "{}",
        check.warnings[0]
    );

    let encrypted = generate_key(
        KeyAlgorithm::Ed25519,
        PrivateKeyEncoding::OpenSsh,
        Some(PASSPHRASE),
    );
    let err = check_private_key_for_upload(&encrypted.private_key).unwrap_err();
    assert_eq!(err, KeyError::EncryptedNotAllowed);
    assert!(
        err.to_string().contains("ssh-keygen -p -N \"\" -f KEY"),
        "{err}"
    );

    let public = SecretString::new(ed.public.openssh.clone());
    assert_eq!(
        check_private_key_for_upload(&public).unwrap_err(),
        KeyError::PublicKeyGiven
    );

    let garbage = check_private_key_for_upload(&SecretString::new("not a key at all")).unwrap_err();
    assert!(
        matches!(garbage, KeyError::NotAPrivateKey(_)),
        "{garbage:?}"
    );
}

#[test]
fn saving_refuses_an_existing_file_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_key(KeyAlgorithm::Ed25519, PrivateKeyEncoding::OpenSsh, None);
    let path = dir.path().join("id_existing");
    std::fs::write(&path, "precious content").unwrap();
    let err = save_private_key(&path, &key.private_key, &key.public.openssh, None).unwrap_err();
    assert_eq!(err, KeyError::AlreadyExists(path.display().to_string()));
    assert!(err.to_string().contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious content");
    assert!(!public_path_for(&path).exists());
    // Nothing else (no temporary file) was left in the folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn saving_into_a_missing_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_key(KeyAlgorithm::Ed25519, PrivateKeyEncoding::OpenSsh, None);
    let folder = dir.path().join("no-such-folder");
    let err = save_private_key(
        &folder.join("id"),
        &key.private_key,
        &key.public.openssh,
        None,
    )
    .unwrap_err();
    assert_eq!(err, KeyError::MissingFolder(folder.display().to_string()));
}

#[cfg(unix)]
#[test]
fn saving_into_a_read_only_folder_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("read-only");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let key = generate_key(KeyAlgorithm::Ed25519, PrivateKeyEncoding::OpenSsh, None);
    let path = folder.join("id");
    let result = save_private_key(&path, &key.private_key, &key.public.openssh, None);

    // root ignores directory permissions; probe whether this process can write anyway.
    let probe = folder.join("probe");
    let permissions_enforced = std::fs::write(&probe, "x").is_err();
    let _ = std::fs::remove_file(&probe);
    if permissions_enforced {
        let err = result.unwrap_err();
        assert!(
            matches!(err, KeyError::WriteFailed(ref reason) if reason.contains("ermission denied")),
            "{err:?}"
        );
        assert!(!path.exists());
    } else {
        eprintln!(
            "running with permission to write read-only folders (root); only checking the save succeeded"
        );
        let saved = result.unwrap();
        assert_eq!(mode_of(&saved.private_path), 0o600);
    }
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn saving_an_encrypted_key_with_the_wrong_passphrase_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_key(
        KeyAlgorithm::Ed25519,
        PrivateKeyEncoding::OpenSsh,
        Some(PASSPHRASE),
    );
    let path = dir.path().join("id_enc");
    let err = save_private_key(
        &path,
        &key.private_key,
        &key.public.openssh,
        Some(&SecretString::new("nope")),
    )
    .unwrap_err();
    assert!(
        matches!(err, KeyError::VerifyFailed(ref reason) if reason.contains("passphrase")),
        "{err:?}"
    );
    assert!(!path.exists());
    assert!(!public_path_for(&path).exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn key_error_messages_never_contain_the_key() {
    let key = generate_key(KeyAlgorithm::Ed25519, PrivateKeyEncoding::OpenSsh, None);
    let body_line = key.private_key.expose().lines().nth(2).unwrap().to_string();
    let mut cut = key.private_key.expose().to_string();
    cut.truncate(cut.len() / 2);
    for text in [cut, key.private_key.expose().replace('A', "!")] {
        let err = inspect_private_key(&SecretString::new(text), None).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(&body_line), "{err:?}");
    }
}

proptest! {
    // No failure persistence: integration tests have no source dir proptest can find.
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn inspect_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = inspect_private_key(&SecretString::new(text.clone()), None);
        let _ = check_private_key_for_upload(&SecretString::new(text.clone()));
        let _ = parse_public_key(&text);
    }

    #[test]
    fn inspect_never_panics_inside_a_key_block(
        label in prop::sample::select(vec!["OPENSSH PRIVATE KEY", "RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"]),
        body in "[A-Za-z0-9+/=\n]{0,400}",
    ) {
        let text = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        let _ = inspect_private_key(&SecretString::new(text.clone()), None);
        let _ = inspect_private_key(&SecretString::new(text), Some(&SecretString::new("pw")));
    }
}
