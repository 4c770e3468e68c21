//! Fresh keys for tests that need keys nobody else holds, and their
//! public line, fingerprint and private-key text.

/// A new Ed25519 key with `comment`.
pub fn fresh_key(comment: &str) -> ssh_key::PrivateKey {
    let mut key =
        ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
    key.set_comment(comment);
    key
}

/// The OpenSSH public-key line of `key`.
pub fn public_line(key: &ssh_key::PrivateKey) -> String {
    key.public_key().to_openssh().unwrap()
}

/// The `SHA256:` fingerprint of `key`.
pub fn sha256(key: &ssh_key::PrivateKey) -> String {
    key.public_key()
        .fingerprint(ssh_key::HashAlg::Sha256)
        .to_string()
}

/// `key` as an OpenSSH private-key file (LF line ends).
pub fn private_text(key: &ssh_key::PrivateKey) -> String {
    key.to_openssh(ssh_key::LineEnding::LF).unwrap().to_string()
}
