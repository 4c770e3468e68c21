//! Every key type OpenSSH knows is listed with the label and both
//! fingerprints `ssh-keygen -l` gives it: Ed25519, ECDSA P-256/384/521,
//! RSA 1024 to 8192, DSA, FIDO security keys (built from PROTOCOL.u2f's
//! wire format: generating one needs the device, parsing does not), and
//! certificates. Also: what may be uploaded where, security-key private key
//! stubs, and the keys table showing a security key with "Copy SHA256".

mod common;

use common::client::fast_policy as policy;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use keyfleet::keys::private::{check_private_key_for_upload, inspect_private_key};
use keyfleet::keys::public::{KeyKind, parse_public_key};
use keyfleet::keys::save::save_private_key;
use keyfleet::keys::{KeyError, SecretString};
use keyfleet::providers::gcore::GcoreClient;
use keyfleet::providers::sesterce::SesterceClient;
use keyfleet::providers::{
    ApiErrorKind, Http, KeyScope, NewKey, NewKeyMaterial, ProviderKind, RemoteKey,
};
use keyfleet::sandbox::gcore::GcoreFake;
use keyfleet::sandbox::sesterce::SesterceFake;
use keyfleet::sandbox::{GCORE_TOKEN, SESTERCE_TOKEN, Sandbox, serve};

/// What `ssh-keygen -l` prints for a key file.
#[derive(Debug)]
struct Listed {
    bits: u32,
    sha256: String,
    /// With the `MD5:` prefix, as printed.
    md5: String,
    /// The type in parentheses, e.g. `ED25519-SK`.
    kind: String,
}

fn run(args: &[&str], path: &Path) -> String {
    let output = Command::new("ssh-keygen")
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("ssh-keygen must be installed (apt-get install openssh-client)");
    assert!(
        output.status.success(),
        "ssh-keygen {args:?} {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `ssh-keygen -l -E sha256` and `-E md5` of `line`, written to a file.
fn keygen_list(dir: &Path, line: &str) -> Listed {
    let path = dir.join(format!("listed-{}.pub", rand::random::<u64>()));
    std::fs::write(&path, format!("{line}\n")).unwrap();
    let fields = |hash: &str| -> (u32, String, String) {
        let out = run(&["-l", "-E", hash, "-f"], &path);
        let out = out.trim();
        let mut words = out.split_whitespace();
        let bits = words.next().unwrap().parse().unwrap();
        let fingerprint = words.next().unwrap().to_string();
        let kind = out
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("no type in {out:?}"))
            .to_string();
        (bits, fingerprint, kind)
    };
    let (bits, sha256, kind) = fields("sha256");
    let (_, md5, _) = fields("md5");
    Listed {
        bits,
        sha256,
        md5,
        kind,
    }
}

/// The label rule, stated from ssh-keygen's own columns: its type name,
/// plus the bits for RSA and DSA or the curve for ECDSA (fixed-size types
/// get no number).
fn label_from_keygen(listed: &Listed) -> String {
    let base = listed.kind.trim_end_matches("-CERT");
    match base {
        "RSA" | "DSA" => format!("{} {}", listed.kind, listed.bits),
        "ECDSA" => format!("{} P-{}", listed.kind, listed.bits),
        _ => listed.kind.clone(),
    }
}

/// Generates a key with ssh-keygen and returns its private key path.
fn keygen_generate(dir: &Path, name: &str, args: &[&str]) -> Option<PathBuf> {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-C", &format!("{name}@keyfleet.test")])
        .args(args)
        .arg("-f")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ssh-keygen must be installed");
    status.success().then_some(path)
}

fn pub_line(private_path: &Path) -> String {
    let mut path = private_path.as_os_str().to_owned();
    path.push(".pub");
    std::fs::read_to_string(path).unwrap().trim().to_string()
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap().trim().to_string()
}

/// Appends an SSH `string` (u32 length, then the bytes).
fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

const SK_ED25519: &str = "sk-ssh-ed25519@openssh.com";
const SK_ECDSA: &str = "sk-ecdsa-sha2-nistp256@openssh.com";

/// A real Ed25519 public key's 32 bytes.
fn ed25519_point() -> [u8; 32] {
    let key =
        ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
    key.public_key().key_data().ed25519().unwrap().0
}

/// A real P-256 public point, uncompressed SEC1.
fn p256_point() -> Vec<u8> {
    let algorithm = ssh_key::Algorithm::Ecdsa {
        curve: ssh_key::EcdsaCurve::NistP256,
    };
    let key = ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, algorithm).unwrap();
    key.public_key()
        .key_data()
        .ecdsa()
        .unwrap()
        .as_sec1_bytes()
        .to_vec()
}

/// The public key fields of a security key after its algorithm name
/// (PROTOCOL.u2f): Ed25519 `string pk`, ECDSA `string curve, string Q`;
/// then `string application` for both.
fn sk_fields(algorithm: &str, point: &[u8]) -> Vec<u8> {
    let mut fields = Vec::new();
    if algorithm == SK_ECDSA {
        put_string(&mut fields, b"nistp256");
    }
    put_string(&mut fields, point);
    put_string(&mut fields, b"ssh:");
    fields
}

fn sk_blob(algorithm: &str, point: &[u8]) -> Vec<u8> {
    let mut blob = Vec::new();
    put_string(&mut blob, algorithm.as_bytes());
    blob.extend(sk_fields(algorithm, point));
    blob
}

fn sk_line(algorithm: &str, point: &[u8], comment: &str) -> String {
    format!(
        "{algorithm} {} {comment}",
        STANDARD.encode(sk_blob(algorithm, point))
    )
}

/// An unencrypted OpenSSH private key file for a security key, by hand
/// from PROTOCOL.key and PROTOCOL.u2f: the private section holds the
/// public fields, then `uint8 flags, string key_handle, string reserved`.
fn sk_private_stub(algorithm: &str, point: &[u8], comment: &str) -> String {
    let mut private = Vec::new();
    let check = rand::random::<u32>().to_be_bytes();
    private.extend_from_slice(&check);
    private.extend_from_slice(&check);
    put_string(&mut private, algorithm.as_bytes());
    private.extend(sk_fields(algorithm, point));
    private.push(0x01); // user presence required
    put_string(&mut private, &rand::random::<[u8; 32]>());
    put_string(&mut private, b"");
    put_string(&mut private, comment.as_bytes());
    let mut pad = 1u8;
    while private.len() % 8 != 0 {
        private.push(pad);
        pad += 1;
    }
    let mut blob = b"openssh-key-v1\0".to_vec();
    put_string(&mut blob, b"none");
    put_string(&mut blob, b"none");
    put_string(&mut blob, b"");
    blob.extend_from_slice(&1u32.to_be_bytes());
    put_string(&mut blob, &sk_blob(algorithm, point));
    put_string(&mut blob, &private);
    let body = STANDARD.encode(blob);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(70)
        .map(|chunk| std::str::from_utf8(chunk).unwrap())
        .collect();
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

struct Row {
    name: &'static str,
    line: String,
    label: &'static str,
    weak: bool,
    security_key: bool,
}

#[test]
fn every_key_type_matches_ssh_keygen() {
    let dir = tempfile::tempdir().unwrap();
    let generated = |name: &str, args: &[&str]| {
        pub_line(&keygen_generate(dir.path(), name, args).expect("ssh-keygen generates it"))
    };
    // `-t dsa` is gone from newer OpenSSH: then use the committed one.
    let dsa = keygen_generate(dir.path(), "dsa", &["-t", "dsa"])
        .map(|path| pub_line(&path))
        .unwrap_or_else(|| fixture("dsa1024.pub"));
    let mut rows = vec![
        Row {
            name: "ed25519",
            line: generated("ed25519", &["-t", "ed25519"]),
            label: "ED25519",
            weak: false,
            security_key: false,
        },
        Row {
            name: "sk-ed25519",
            line: sk_line(SK_ED25519, &ed25519_point(), "yubikey@keyfleet.test"),
            label: "ED25519-SK",
            weak: false,
            security_key: true,
        },
        Row {
            name: "sk-ecdsa",
            line: sk_line(SK_ECDSA, &p256_point(), "ключ на токене"),
            label: "ECDSA-SK",
            weak: false,
            security_key: true,
        },
        Row {
            name: "dsa",
            line: dsa,
            label: "DSA 1024",
            weak: true,
            security_key: false,
        },
        Row {
            name: "rsa-8192 (fixture: slow to generate)",
            line: fixture("rsa8192.pub"),
            label: "RSA 8192",
            weak: false,
            security_key: false,
        },
    ];
    for (bits, label, weak) in [
        ("1024", "RSA 1024", true),
        ("2048", "RSA 2048", false),
        ("3072", "RSA 3072", false),
        ("4096", "RSA 4096", false),
    ] {
        rows.push(Row {
            name: label,
            line: generated(&format!("rsa{bits}"), &["-t", "rsa", "-b", bits]),
            label,
            weak,
            security_key: false,
        });
    }
    for (bits, label) in [
        ("256", "ECDSA P-256"),
        ("384", "ECDSA P-384"),
        ("521", "ECDSA P-521"),
    ] {
        rows.push(Row {
            name: label,
            line: generated(&format!("ecdsa{bits}"), &["-t", "ecdsa", "-b", bits]),
            label,
            weak: false,
            security_key: false,
        });
    }

    for row in &rows {
        let name = row.name;
        let parsed = parse_public_key(&row.line).unwrap_or_else(|err| panic!("{name}: {err}"));
        let listed = keygen_list(dir.path(), &row.line);
        assert_eq!(parsed.label, row.label, "{name}");
        assert_eq!(
            parsed.label,
            label_from_keygen(&listed),
            "{name}: {listed:?}"
        );
        assert_eq!(parsed.fingerprint_sha256, listed.sha256, "{name}");
        assert_eq!(
            format!("MD5:{}", parsed.fingerprint_md5),
            listed.md5,
            "{name}"
        );
        assert_eq!(parsed.weakness().is_some(), row.weak, "{name}");
        assert_eq!(parsed.is_security_key(), row.security_key, "{name}");
        assert_eq!(parsed.openssh, row.line, "{name}: already normalised");
        assert!(parsed.certificate.is_none(), "{name}");

        // The table's row gets the same.
        let remote = RemoteKey {
            id: "k".into(),
            public_key: Some(row.line.clone()),
            ..RemoteKey::default()
        }
        .with_local_fingerprints();
        assert_eq!(remote.algorithm_label.as_deref(), Some(row.label), "{name}");
        assert_eq!(remote.fingerprint_sha256.as_deref(), Some(&*listed.sha256));
        assert_eq!(remote.weak, row.weak, "{name}");
        if row.security_key {
            assert!(
                remote
                    .algorithm_details
                    .as_deref()
                    .is_some_and(|details| details.contains("security key")),
                "{name}: {remote:?}"
            );
        }

        // Security keys upload to Gcore and Sesterce; DSA is refused with its reason.
        for provider in [ProviderKind::Gcore, ProviderKind::Sesterce] {
            let checked = provider.check_public_key(&row.line);
            if row.label.starts_with("DSA") {
                let err = checked.unwrap_err();
                assert!(
                    err.message.contains("2015") && err.message.contains("2024"),
                    "{err}"
                );
            } else {
                assert_eq!(checked.unwrap().openssh, row.line, "{name} {provider:?}");
            }
        }
    }
}

/// Signs `user_pub` with `ca` (extra `ssh-keygen -s` arguments in `args`)
/// and returns the certificate line.
fn sign(ca: &Path, user_pub: &Path, args: &[&str]) -> String {
    let status = Command::new("ssh-keygen")
        .arg("-q")
        .arg("-s")
        .arg(ca)
        .args(args)
        .arg(user_pub)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "ssh-keygen -s failed");
    let cert = user_pub
        .to_str()
        .unwrap()
        .strip_suffix(".pub")
        .unwrap()
        .to_string()
        + "-cert.pub";
    std::fs::read_to_string(cert).unwrap().trim().to_string()
}

#[test]
fn certificates_show_the_key_they_certify() {
    let dir = tempfile::tempdir().unwrap();
    let ca = keygen_generate(dir.path(), "ca", &["-t", "ed25519"]).unwrap();
    let ca_listed = keygen_list(dir.path(), &pub_line(&ca));
    let user = keygen_generate(dir.path(), "user", &["-t", "ed25519"]).unwrap();
    let user_pub = dir.path().join("user.pub");
    let cert = sign(
        &ca,
        &user_pub,
        &["-I", "id", "-n", "alice,bob", "-V", "+52w"],
    );

    let parsed = parse_public_key(&cert).unwrap();
    let listed = keygen_list(dir.path(), &cert);
    assert_eq!(listed.kind, "ED25519-CERT");
    assert_eq!(parsed.label, "ED25519-CERT");
    assert_eq!(parsed.label, label_from_keygen(&listed));
    assert_eq!(parsed.algorithm, "ssh-ed25519-cert-v01@openssh.com");
    // ssh-keygen fingerprints a certificate as the key it certifies.
    assert_eq!(parsed.fingerprint_sha256, listed.sha256);
    assert_eq!(format!("MD5:{}", parsed.fingerprint_md5), listed.md5);
    assert_eq!(
        parsed.fingerprint_sha256,
        keygen_list(dir.path(), &pub_line(&user)).sha256
    );
    assert_eq!(parsed.openssh, cert);
    let info = parsed
        .certificate
        .as_deref()
        .expect("recognised as a certificate");
    assert_eq!(info.cert_type, "user");
    assert_eq!(info.key_id, "id");
    assert_eq!(info.principals, ["alice", "bob"]);
    assert_eq!(key_data(&info.key_openssh), key_data(&pub_line(&user)));
    let weeks_52 = 52 * 7 * 24 * 3600;
    let span = info.valid_before - info.valid_after;
    assert!((weeks_52..weeks_52 + 3600).contains(&span), "{span}");
    assert_eq!(
        info.signed_by,
        format!("ED25519 {}", ca_listed.sha256),
        "the CA"
    );
    let summary = info.summary();
    for part in [
        "user certificate",
        "\"id\"",
        "alice, bob",
        "UTC",
        &ca_listed.sha256,
    ] {
        assert!(summary.contains(part), "{part} in {summary}");
    }
    assert!(!summary.contains("expired"), "{summary}");
    // Listed with its details, never uploaded as if it were a key.
    let remote = RemoteKey {
        public_key: Some(cert.clone()),
        ..RemoteKey::default()
    }
    .with_local_fingerprints();
    assert_eq!(remote.algorithm_label.as_deref(), Some("ED25519-CERT"));
    assert!(remote.algorithm_details.unwrap().contains("alice, bob"));
    let err = ProviderKind::Gcore.check_public_key(&cert).unwrap_err();
    assert!(err.message.contains("certificate"), "{err}");
    assert!(err.message.contains(&listed.sha256), "{err}");

    // ssh-keygen's default validity is "forever" (valid-before 2^64-1),
    // which ssh_key::Certificate refuses; RSA shows its size.
    let rsa = keygen_generate(dir.path(), "rsauser", &["-t", "rsa", "-b", "2048"]).unwrap();
    let forever = sign(&ca, &dir.path().join("rsauser.pub"), &["-I", "ops", "-h"]);
    let parsed = parse_public_key(&forever).unwrap();
    let listed = keygen_list(dir.path(), &forever);
    assert_eq!(parsed.label, "RSA-CERT 2048");
    assert_eq!(parsed.label, label_from_keygen(&listed));
    assert_eq!(parsed.fingerprint_sha256, listed.sha256);
    let info = parsed.certificate.as_deref().unwrap();
    assert_eq!(info.cert_type, "host");
    assert!(info.principals.is_empty());
    assert!(info.summary().contains("forever"), "{}", info.summary());
    assert_eq!(key_data(&info.key_openssh), key_data(&pub_line(&rsa)));

    // A security key's certificate.
    let sk_pub = dir.path().join("sk.pub");
    std::fs::write(&sk_pub, sk_line(SK_ED25519, &ed25519_point(), "sk@test")).unwrap();
    let sk_cert = sign(&ca, &sk_pub, &["-I", "sk", "-n", "carol"]);
    let parsed = parse_public_key(&sk_cert).unwrap();
    let listed = keygen_list(dir.path(), &sk_cert);
    assert_eq!(parsed.label, "ED25519-SK-CERT");
    assert_eq!(parsed.label, label_from_keygen(&listed));
    assert_eq!(parsed.fingerprint_sha256, listed.sha256);
    assert_eq!(format!("MD5:{}", parsed.fingerprint_md5), listed.md5);
}

#[test]
fn damaged_certificates_and_sk_keys_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let ca = keygen_generate(dir.path(), "ca", &["-t", "ed25519"]).unwrap();
    keygen_generate(dir.path(), "user", &["-t", "ecdsa"]).unwrap();
    let cert = sign(&ca, &dir.path().join("user.pub"), &["-I", "id", "-n", "a"]);
    let (algorithm, rest) = cert.split_once(' ').unwrap();
    let data = rest.split_whitespace().next().unwrap();
    let blob = STANDARD.decode(data).unwrap();
    let encode = |bytes: &[u8]| format!("{algorithm} {}", STANDARD.encode(bytes));

    let cut = parse_public_key(&encode(&blob[..blob.len() - 10])).unwrap_err();
    assert!(
        matches!(&cut, KeyError::NotAPublicKey(why) if why.contains("certificate is damaged")),
        "{cut:?}"
    );
    let mut longer = blob.clone();
    longer.extend_from_slice(b"junk");
    let extra = parse_public_key(&encode(&longer)).unwrap_err();
    assert!(extra.to_string().contains("extra data"), "{extra}");
    let renamed =
        parse_public_key(&format!("ssh-ed25519-cert-v01@openssh.com {data}")).unwrap_err();
    assert!(
        renamed.to_string().contains("another key type"),
        "{renamed}"
    );
    // Every single damaged byte: an answer, never a panic.
    for at in 0..blob.len() {
        for value in [0x00, 0xff, 0x7f] {
            let mut damaged = blob.clone();
            damaged[at] = value;
            let _ = parse_public_key(&encode(&damaged));
        }
        let _ = parse_public_key(&encode(&blob[..at]));
    }

    // A security key with its application string cut off, or an extra field.
    let point = ed25519_point();
    let full = sk_blob(SK_ED25519, &point);
    for bytes in [
        &full[..full.len() - 4],
        &[full.as_slice(), b"\0\0\0\0"].concat()[..],
    ] {
        let line = format!("{SK_ED25519} {}", STANDARD.encode(bytes));
        let err = parse_public_key(&line).unwrap_err();
        assert!(err.to_string().contains("damaged or incomplete"), "{err}");
    }
    for at in 0..full.len() {
        let mut damaged = full.clone();
        damaged[at] ^= 0xff;
        let _ = parse_public_key(&format!("{SK_ED25519} {}", STANDARD.encode(&damaged)));
    }

    // An algorithm OpenSSH's tools do not know, in well-formed wire format:
    // listed under its own name, with fingerprints of its data, not uploaded.
    let mut unknown = Vec::new();
    put_string(&mut unknown, b"ssh-xmss@openssh.com");
    put_string(&mut unknown, b"XMSS_SHA2-256_W16_H10");
    put_string(&mut unknown, &[7u8; 64]);
    let line = format!("ssh-xmss@openssh.com {} x@y", STANDARD.encode(&unknown));
    let parsed = parse_public_key(&line).unwrap();
    assert_eq!(parsed.kind, KeyKind::Other);
    assert_eq!(parsed.label, "ssh-xmss@openssh.com");
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(&unknown);
    let expected = base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest);
    assert_eq!(parsed.fingerprint_sha256, format!("SHA256:{expected}"));
    assert!(ProviderKind::Gcore.check_public_key(&line).is_err());
}

#[test]
fn security_key_private_stubs_show_and_save_their_public_key() {
    let dir = tempfile::tempdir().unwrap();
    for (algorithm, point, label) in [
        (SK_ED25519, ed25519_point().to_vec(), "ED25519-SK"),
        (SK_ECDSA, p256_point(), "ECDSA-SK"),
    ] {
        let stub = SecretString::new(sk_private_stub(algorithm, &point, "yubi@test"));
        let public = sk_line(algorithm, &point, "yubi@test");

        let info = inspect_private_key(&stub, None).unwrap();
        assert!(info.held_on_security_key(), "{label}");
        assert!(!info.encrypted);
        assert_eq!(info.public.label, label);
        assert_eq!(info.public.openssh, public);
        // ssh-keygen reads the hand-built stub the same way.
        let stub_path = dir.path().join(format!("stub-{label}"));
        std::fs::write(&stub_path, stub.expose()).unwrap();
        std::fs::set_permissions(
            &stub_path,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        assert_eq!(
            key_data(&ssh_keygen_public(&stub_path, "")),
            key_data(&public)
        );

        // Saving the pair: the stub and its public half, read back.
        let saved = save_private_key(
            &dir.path().join(format!("id_{label}")),
            &stub,
            &public,
            None,
        )
        .unwrap();
        let saved_public = std::fs::read_to_string(saved.public_path.as_ref().unwrap()).unwrap();
        assert_eq!(saved_public.trim(), public);
        assert_eq!(
            keygen_list(dir.path(), &public).sha256,
            info.public.fingerprint_sha256
        );
        // Its public half uploads to Gcore and Sesterce…
        for provider in [ProviderKind::Gcore, ProviderKind::Sesterce] {
            assert!(provider.check_public_key(&info.public.openssh).is_ok());
        }
        // …but HCP Terraform, which needs the private key itself, is told why not.
        let err = check_private_key_for_upload(&stub).unwrap_err();
        assert!(
            matches!(&err, KeyError::NotUsableHere(why) if why.contains("security key")),
            "{err:?}"
        );
    }
}

fn new_key(name: &str, public_key: &str) -> NewKey {
    NewKey {
        name: name.to_string(),
        material: NewKeyMaterial::PublicKey(public_key.to_string()),
        shared_in_project: true,
        scope: KeyScope::Account,
        expires_at: None,
    }
}

#[tokio::test]
async fn security_keys_upload_and_dsa_is_refused_before_sending() {
    let sk = sk_line(SK_ED25519, &ed25519_point(), "yubi@test");
    let sk_sha256 = parse_public_key(&sk).unwrap().fingerprint_sha256;
    let dsa = fixture("dsa1024.pub");

    let gcore_fake = GcoreFake::new();
    let url = serve(gcore_fake.router()).await.unwrap();
    let gcore = GcoreClient::new(
        Http::new(policy()).unwrap(),
        &url,
        SecretString::new(GCORE_TOKEN),
        Some(1),
        vec![],
    );
    let created = gcore.create_key(&new_key("yubikey", &sk)).await.unwrap();
    assert_eq!(created.key.algorithm_label.as_deref(), Some("ED25519-SK"));
    assert_eq!(created.key.fingerprint_sha256.as_deref(), Some(&*sk_sha256));
    assert_eq!(
        gcore_fake.public_key(1, &created.key.id).as_deref(),
        Some(&*sk)
    );
    gcore_fake.faults().reset_requests();
    let err = gcore
        .create_key(&new_key("old-dsa", &dsa))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert!(err.message.contains("DSA"), "{err}");
    assert_eq!(gcore_fake.faults().request_count(), 0, "DSA was sent");

    let sesterce_fake = SesterceFake::new();
    let url = serve(sesterce_fake.router()).await.unwrap();
    let sesterce = SesterceClient::new(
        Http::new(policy()).unwrap(),
        &url,
        SecretString::new(SESTERCE_TOKEN),
    );
    let created = sesterce.create_key(&new_key("yubikey", &sk)).await.unwrap();
    assert_eq!(created.key.algorithm_label.as_deref(), Some("ED25519-SK"));
    assert_eq!(sesterce_fake.keys().len(), 1);
    sesterce_fake.faults().reset_requests();
    let err = sesterce
        .create_key(&new_key("old-dsa", &dsa))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::InvalidInput);
    assert_eq!(sesterce_fake.faults().request_count(), 0, "DSA was sent");
}

#[test]
fn keys_table_shows_a_security_key_with_copy_sha256() {
    let sandbox = Sandbox::start().unwrap();
    let sk = sk_line(SK_ED25519, &ed25519_point(), "yubi@test");
    let dir = tempfile::tempdir().unwrap();
    let sk_sha256 = keygen_list(dir.path(), &sk).sha256;
    sandbox.gcore.add_key(1, "yubikey", &sk, true);
    sandbox
        .gcore
        .add_key(1, "old-dsa", &fixture("dsa1024.pub"), true);
    let (mut test, profile) = start_with_account(sandbox, ProviderKind::Gcore, "Gcore");
    let h = &mut test.harness;
    let id = profile.id.clone();
    wait_until(h, "both keys listed", |h| {
        h.state().account(&id).is_some_and(|a| a.table.len() == 2)
    });
    wait_for_label(h, "ED25519-SK");
    // DSA is listed, marked weak.
    wait_for_label(h, "⚠ DSA 1024");

    set_text(h, "Filter:", "yubikey");
    select_key(h, "yubikey");
    let copies = click_and_collect_copies(h, "Copy SHA256");
    assert_eq!(copies, [sk_sha256]);

    // The add-key dialog: DSA is refused with its reason and nothing is sent.
    let public_key_box = "Public key (one line starting with ssh-ed25519, ssh-rsa or ecdsa-…):";
    click(h, "➕ Add key");
    set_text(h, "Name:", "old-dsa-2");
    set_text(h, public_key_box, &fixture("dsa1024.pub"));
    let before = test.sandbox.gcore.faults().request_count();
    click(h, "Add key");
    wait_for_label_containing(h, "removed DSA from its default build in 2024");
    h.run_steps(10);
    assert_eq!(test.sandbox.gcore.faults().request_count(), before);
    assert_eq!(test.sandbox.gcore.key_count(1), 2);
    // A second security key goes through.
    let second = sk_line(SK_ECDSA, &p256_point(), "nano@test");
    set_text(h, public_key_box, &second);
    wait_for_label_containing(h, "✔ ECDSA-SK");
    click(h, "Add key");
    wait_until(h, "security key uploaded", |h| {
        h.state().account(&id).is_some_and(|a| a.table.len() == 3)
    });
    assert_eq!(test.sandbox.gcore.key_count(1), 3);
}
