//! Every private-key reader accepts whatever `ssh-keygen` accepts: any Base64
//! line width (64, 70, 76, one unwrapped line), LF or CRLF (OpenSSH itself
//! refuses CRLF in its own format; Keyfleet reads it and saves it with LF),
//! indentation and surrounding spaces, in each container format. Keys come from `ssh-keygen`
//! itself, and every cell is checked against `ssh-keygen -y`.
//!
//! A server-generated key that OpenSSH reads was once lost here: ssh-key
//! reads only its own 70-column layout, and the fake servers happened to
//! write exactly that. The Gcore fake now varies its layout, and the last
//! test checks every layout it sends over HTTP.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use keyfleet::keys::private::{PrivateKeyFormat, inspect_private_key, read_private_key_file};
use keyfleet::keys::public::parse_public_key;
use keyfleet::keys::save::{
    SaveVerification, public_path_for, save_private_key, save_private_key_as_received,
};
use keyfleet::keys::{KeyError, SecretString};
use keyfleet::providers::gcore::GcoreClient;
use keyfleet::providers::http::{Http, HttpPolicy};
use keyfleet::providers::{KeyScope, NewKey, NewKeyMaterial};
use keyfleet::sandbox::gcore::GcoreFake;
use keyfleet::sandbox::{GCORE_TOKEN, serve};

/// A key written by `ssh-keygen` in one container format.
struct Sample {
    format: PrivateKeyFormat,
    /// The file exactly as ssh-keygen wrote it.
    text: String,
    /// `algorithm base64` from `ssh-keygen -y` on that file.
    public: String,
}

fn ssh_keygen(args: &[&str]) -> std::process::Output {
    Command::new("ssh-keygen")
        .args(args)
        .output()
        .expect("ssh-keygen runs (package openssh-client)")
}

/// `algorithm base64` of `ssh-keygen -y -f path`, or `None` if it refuses.
fn ssh_keygen_public(path: &Path) -> Option<String> {
    let out = ssh_keygen(&["-y", "-P", "", "-f", path.to_str().unwrap()]);
    out.status
        .success()
        .then(|| key_data(&String::from_utf8_lossy(&out.stdout)))
}

/// Writes a key file as ssh-keygen wants it: readable by its owner only.
fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn key_data(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn samples(dir: &Path) -> Vec<Sample> {
    let cases: [(PrivateKeyFormat, &[&str], &str); 5] = [
        (PrivateKeyFormat::OpenSsh, &["-t", "ed25519"], "OPENSSH"),
        (
            PrivateKeyFormat::OpenSsh,
            &["-t", "rsa", "-b", "2048"],
            "OPENSSH",
        ),
        (
            PrivateKeyFormat::PemRsa,
            &["-t", "rsa", "-b", "2048", "-m", "PEM"],
            "RSA",
        ),
        (
            PrivateKeyFormat::PemPkcs8,
            &["-t", "ecdsa", "-b", "256", "-m", "PKCS8"],
            "PRIVATE KEY",
        ),
        (
            PrivateKeyFormat::PemEc,
            &["-t", "ecdsa", "-b", "384", "-m", "PEM"],
            "EC PRIVATE",
        ),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, (format, args, begin))| {
            let path = dir.join(format!("sample{i}"));
            let mut all = args.to_vec();
            all.extend([
                "-N",
                "",
                "-q",
                "-C",
                "layout@test",
                "-f",
                path.to_str().unwrap(),
            ]);
            assert!(ssh_keygen(&all).status.success(), "ssh-keygen {args:?}");
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(begin), "{format:?} sample is {text:.40}");
            let public = ssh_keygen_public(&path).expect("ssh-keygen reads its own key");
            Sample {
                format: *format,
                text,
                public,
            }
        })
        .collect()
}

/// The sample re-laid out: Base64 at `width` (`None`: one line), `line_end`.
fn relayout(text: &str, width: Option<usize>, line_end: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let base64: String = lines[1..lines.len() - 1].concat();
    let width = width.unwrap_or(base64.len());
    let mut out = format!("{}{line_end}", lines[0]);
    for chunk in base64.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str(line_end);
    }
    out.push_str(lines[lines.len() - 1]);
    out.push_str(line_end);
    out
}

fn widths_of(text: &str) -> BTreeSet<usize> {
    let lines: Vec<&str> = text.lines().collect();
    lines[1..lines.len() - 1]
        .iter()
        .take(lines.len().saturating_sub(3).max(1))
        .map(|line| line.trim_end_matches('\r').len())
        .collect()
}

#[test]
fn every_format_width_and_line_end_gives_ssh_keygens_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let samples = samples(dir.path());
    let mut cells = 0;
    let mut ssh_keygen_refused = Vec::new();
    for (i, sample) in samples.iter().enumerate() {
        for width in [Some(64), Some(70), Some(76), None] {
            for line_end in ["\n", "\r\n"] {
                let text = relayout(&sample.text, width, line_end);
                let cell = format!("{:?} width {width:?} {line_end:?}", sample.format);
                let secret = SecretString::new(text.clone());

                // Pasted text and a file on disk go through the same reader.
                let info = inspect_private_key(&secret, None)
                    .unwrap_or_else(|err| panic!("{cell}: {err}"));
                assert_eq!(info.format, sample.format, "{cell}");
                assert_eq!(key_data(&info.public.openssh), sample.public, "{cell}");
                let path = dir.path().join(format!("cell{i}-{cells}"));
                write_private(&path, &text);
                let from_file = read_private_key_file(&path).unwrap();
                let info = inspect_private_key(&from_file, None).unwrap();
                assert_eq!(
                    key_data(&info.public.openssh),
                    sample.public,
                    "{cell} (file)"
                );
                match ssh_keygen_public(&path) {
                    Some(public) => assert_eq!(public, sample.public, "{cell}: ssh-keygen"),
                    None => ssh_keygen_refused.push(cell.clone()),
                }

                // And the key is savable, and what is saved is a file OpenSSH
                // reads: the bytes received, with LF line ends (OpenSSH 9
                // refuses CRLF in its own format, so that is all that changes).
                let saved_path = dir.path().join(format!("saved{i}-{cells}"));
                let saved = save_private_key(&saved_path, &secret, &sample.public, None)
                    .unwrap_or_else(|err| panic!("{cell}: {err}"));
                assert_eq!(
                    std::fs::read_to_string(&saved.private_path).unwrap(),
                    text.replace("\r\n", "\n"),
                    "{cell}"
                );
                assert_eq!(
                    ssh_keygen_public(&saved_path).as_deref(),
                    Some(sample.public.as_str()),
                    "{cell}: saved file"
                );
                cells += 1;
            }
        }
    }
    assert_eq!(cells, samples.len() * 8);
    // ssh-keygen reads every width with LF; the only layout it refuses is
    // CRLF in an OpenSSH-format key, which Keyfleet still reads (and saves
    // with LF, checked above).
    assert!(
        ssh_keygen_refused
            .iter()
            .all(|cell| cell.starts_with("OpenSsh") && cell.ends_with("\"\\r\\n\"")),
        "ssh-keygen refused {ssh_keygen_refused:?}"
    );
}

#[test]
fn indentation_spaces_and_blank_lines_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    for sample in samples(dir.path()) {
        let indented: String = relayout(&sample.text, Some(76), "\r\n")
            .lines()
            .map(|line| format!("    {line}  \r\n\r\n"))
            .collect();
        let pasted = format!("\n\n  {indented}\n   ");
        let info = inspect_private_key(&SecretString::new(pasted), None).unwrap();
        assert_eq!(
            key_data(&info.public.openssh),
            sample.public,
            "{:?}",
            sample.format
        );

        // Everything on one line, as an environment variable may hold it.
        let one_line = relayout(&sample.text, None, " ");
        let info = inspect_private_key(&SecretString::new(one_line), None).unwrap();
        assert_eq!(
            key_data(&info.public.openssh),
            sample.public,
            "{:?}",
            sample.format
        );
    }
}

#[test]
fn damage_is_still_reported_without_quoting_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let sample = &samples(dir.path())[0];
    let wide = relayout(&sample.text, Some(76), "\n");
    let garbled = wide.replacen("AAAA", "AA*A", 1);
    let err = inspect_private_key(&SecretString::new(garbled), None).unwrap_err();
    assert!(
        matches!(err, KeyError::NotAPrivateKey(ref r) if r.contains("Base64")),
        "{err:?}"
    );
    let second_line = wide.lines().nth(1).unwrap();
    assert!(!err.to_string().contains(&second_line[..20]));

    let cut: String = wide
        .lines()
        .take(3)
        .map(|line| format!("{line}\n"))
        .collect();
    let err = inspect_private_key(&SecretString::new(cut), None).unwrap_err();
    assert!(err.to_string().contains("cut off"), "{err}");
}

#[test]
fn a_private_key_is_never_saved_under_a_pub_name() {
    let dir = tempfile::tempdir().unwrap();
    let sample = &samples(dir.path())[0];
    let secret = SecretString::new(sample.text.clone());
    for name in ["id_new.pub", "id_new.PUB"] {
        let path = dir.path().join(name);
        let err = save_private_key(&path, &secret, &sample.public, None).unwrap_err();
        assert!(
            matches!(err, KeyError::PublicNameForPrivateKey(_)),
            "{err:?}"
        );
        assert!(err.to_string().contains(".pub"), "{err}");
        let err = save_private_key_as_received(&path, &secret, None).unwrap_err();
        assert!(
            matches!(err, KeyError::PublicNameForPrivateKey(_)),
            "{err:?}"
        );
        assert!(!path.exists());
    }
}

#[test]
fn saving_exactly_as_received_keeps_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    // Not a key Keyfleet (or anything) can read, with odd bytes and no final
    // newline: it must come back exactly.
    let received = "-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3Blbn*damaged\u{e9}\r\n  tail";
    let secret = SecretString::new(received);

    let bare = dir.path().join("id_received");
    let saved = save_private_key_as_received(&bare, &secret, None).unwrap();
    assert_eq!(saved.verified, SaveVerification::ExactBytes);
    assert_eq!(saved.public_path, None);
    assert_eq!(std::fs::read(&bare).unwrap(), received.as_bytes());
    assert!(
        !public_path_for(&bare).exists(),
        "no .pub without a public key from the server"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bare).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Never overwritten: the first file stays as it was.
    let again = save_private_key_as_received(&bare, &SecretString::new("other"), None).unwrap_err();
    assert!(matches!(again, KeyError::AlreadyExists(_)), "{again:?}");
    assert_eq!(std::fs::read(&bare).unwrap(), received.as_bytes());

    // With the server's public key, a .pub beside it holds that line.
    let public =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmKh9SyV8y8APuriPd7rS6vh1kgormYJmwIYGaabatB srv";
    let with_pub = dir.path().join("id_with_pub");
    let saved = save_private_key_as_received(&with_pub, &secret, Some(public)).unwrap();
    assert_eq!(
        saved.public_path.as_deref(),
        Some(public_path_for(&with_pub).as_path())
    );
    assert_eq!(
        std::fs::read_to_string(public_path_for(&with_pub)).unwrap(),
        format!("{public}\n")
    );
    assert_eq!(std::fs::read(&with_pub).unwrap(), received.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layout_the_gcore_fake_sends_is_read_and_saved() {
    let fake = GcoreFake::new();
    let url = serve(fake.router()).await.unwrap();
    let policy = HttpPolicy {
        base_backoff: Duration::from_millis(10),
        ..HttpPolicy::default()
    };
    let client = GcoreClient::new(
        Http::new(policy).unwrap(),
        &url,
        SecretString::new(GCORE_TOKEN),
        Some(1),
        vec![],
    );
    let dir = tempfile::tempdir().unwrap();
    let mut widths = BTreeSet::new();
    for i in 0..4 {
        let created = client
            .create_key(&NewKey {
                name: format!("server-{i}"),
                material: NewKeyMaterial::GenerateOnServer,
                shared_in_project: false,
                scope: KeyScope::Account,
                expires_at: None,
            })
            .await
            .unwrap();
        let private = created.private_key.expect("a generated private key");
        let public = created.key.public_key.clone().unwrap();
        let text = private.expose().to_string();
        widths.extend(widths_of(&text));

        let path = dir.path().join(format!("id_server_{i}"));
        let saved = save_private_key(&path, &private, &public, None)
            .unwrap_or_else(|err| panic!("key {i}: {err}"));
        assert_eq!(std::fs::read_to_string(&saved.private_path).unwrap(), text);
        assert_eq!(ssh_keygen_public(&path), Some(key_data(&public)), "key {i}");
        assert_eq!(
            parse_public_key(&public).unwrap().fingerprint_sha256,
            inspect_private_key(&private, None)
                .unwrap()
                .public
                .fingerprint_sha256
        );
    }
    for width in [64, 70, 76] {
        assert!(
            widths.contains(&width),
            "the fake never sent {width} columns: {widths:?}"
        );
    }
    assert!(
        widths.iter().any(|w| *w > 76),
        "the fake never sent an unwrapped key: {widths:?}"
    );
}
