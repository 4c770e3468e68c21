//! The fakes' own reader of OpenSSH public-key lines, written from the
//! format's specifications (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4 and
//! OpenSSH's PROTOCOL.u2f) and sharing no code with `crate::keys`: if the
//! client misreads a key, the fakes must not misread it the same way.
//!
//! It reads `type base64 [comment]`, decodes the wire format's
//! length-prefixed fields, checks each family's field shapes and computes
//! both fingerprints as `ssh-keygen -l -E sha256|md5` prints them. What a
//! provider accepts is decided by each fake from the family it reports.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use md5::Md5;
use sha2::{Digest, Sha256};

/// What kind of key a line holds, from its wire-format fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Family {
    /// `ssh-rsa`, with the modulus size in bits.
    Rsa {
        /// Bits of the modulus `n`.
        bits: usize,
    },
    /// `ssh-dss` (DSA).
    Dsa,
    /// `ecdsa-sha2-nistp256|384|521`, with the curve name.
    Ecdsa {
        /// `nistp256`, `nistp384` or `nistp521`.
        curve: &'static str,
    },
    /// `ssh-ed25519`.
    Ed25519,
    /// `sk-ssh-ed25519@openssh.com` (held on a FIDO device).
    SkEd25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com` (held on a FIDO device).
    SkEcdsa,
    /// An OpenSSH certificate (`…-cert-v01@openssh.com`): not a plain key.
    Certificate,
    /// Any other type name whose blob starts with that same name.
    Unknown,
}

/// One public-key line, read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyText {
    /// The type name (first field, equal to the blob's first string).
    pub key_type: String,
    /// The decoded key blob.
    pub blob: Vec<u8>,
    /// The comment (the rest of the line), possibly empty.
    pub comment: String,
    /// The key's family.
    pub family: Family,
}

/// Why a line is not a readable public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyTextError {
    /// Empty, several lines, or not `type base64 [comment]`.
    Layout(&'static str),
    /// The second field is not base64.
    Base64,
    /// The blob's fields are cut short, too long, or do not fit the type.
    Fields(String),
}

impl fmt::Display for KeyTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Layout(why) => write!(f, "not an OpenSSH public key line: {why}"),
            Self::Base64 => f.write_str("the key data is not valid base64"),
            Self::Fields(why) => write!(f, "the key data is malformed: {why}"),
        }
    }
}

impl std::error::Error for KeyTextError {}

/// Reads one OpenSSH public-key line (surrounding whitespace ignored).
pub fn read(text: &str) -> Result<KeyText, KeyTextError> {
    let line = text.trim();
    if line.is_empty() {
        return Err(KeyTextError::Layout("empty"));
    }
    if line.contains('\n') || line.contains('\r') {
        return Err(KeyTextError::Layout("more than one line"));
    }
    let (key_type, rest) = line
        .split_once([' ', '\t'])
        .ok_or(KeyTextError::Layout("no key data after the type"))?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let (data, comment) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    if data.is_empty() {
        return Err(KeyTextError::Layout("no key data after the type"));
    }
    let blob = STANDARD.decode(data).map_err(|_| KeyTextError::Base64)?;
    let family = read_fields(key_type, &blob).map_err(KeyTextError::Fields)?;
    Ok(KeyText {
        key_type: key_type.to_string(),
        blob,
        comment: comment.trim_matches([' ', '\t']).to_string(),
        family,
    })
}

impl KeyText {
    /// `SHA256:` and the unpadded base64 digest of the blob, as
    /// `ssh-keygen -l -E sha256` prints it.
    pub fn sha256(&self) -> String {
        format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(&self.blob))
        )
    }

    /// The MD5 digest of the blob as colon-separated lower-case hex, as
    /// `ssh-keygen -l -E md5` prints it (after its `MD5:` prefix) and as
    /// Gcore reports it.
    pub fn md5(&self) -> String {
        Md5::digest(&self.blob)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// `type base64`, without the comment.
    pub fn type_and_data(&self) -> String {
        format!("{} {}", self.key_type, STANDARD.encode(&self.blob))
    }

    /// `type base64 [comment]` with single spaces.
    pub fn line(&self) -> String {
        if self.comment.is_empty() {
            self.type_and_data()
        } else {
            format!("{} {}", self.type_and_data(), self.comment)
        }
    }
}

/// A cursor over the wire format's length-prefixed fields.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn string(&mut self, what: &str) -> Result<&'a [u8], String> {
        let Some((length, rest)) = self.rest.split_first_chunk::<4>() else {
            return Err(format!("{what} is cut short"));
        };
        let length = u32::from_be_bytes(*length) as usize;
        if rest.len() < length {
            return Err(format!("{what} is cut short"));
        }
        let (field, rest) = rest.split_at(length);
        self.rest = rest;
        Ok(field)
    }

    /// A positive multiple-precision integer (RFC 4251 §5): no needless
    /// leading zero, no sign bit. Returns its size in bits.
    fn positive_mpint(&mut self, what: &str) -> Result<usize, String> {
        let bytes = self.string(what)?;
        match bytes {
            [] => Err(format!("{what} is zero")),
            [first, ..] if first & 0x80 != 0 => Err(format!("{what} is negative")),
            [0, second, ..] if second & 0x80 == 0 => {
                Err(format!("{what} has a needless leading zero"))
            }
            [0] => Err(format!("{what} has a needless leading zero")),
            _ => {
                let digits = if bytes[0] == 0 { &bytes[1..] } else { bytes };
                Ok(digits.len() * 8 - digits[0].leading_zeros() as usize)
            }
        }
    }

    fn end(&self) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(format!("{} bytes follow the last field", self.rest.len()))
        }
    }
}

/// The curve named by an ECDSA type and the length of its uncompressed point.
fn curve_of(key_type: &str) -> Option<(&'static str, usize)> {
    match key_type {
        "ecdsa-sha2-nistp256" | "sk-ecdsa-sha2-nistp256@openssh.com" => Some(("nistp256", 65)),
        "ecdsa-sha2-nistp384" => Some(("nistp384", 97)),
        "ecdsa-sha2-nistp521" => Some(("nistp521", 133)),
        _ => None,
    }
}

/// Checks the blob's fields against `key_type` and names the family.
fn read_fields(key_type: &str, blob: &[u8]) -> Result<Family, String> {
    let mut fields = Fields { rest: blob };
    let inner_type = fields.string("the type name")?;
    if inner_type != key_type.as_bytes() {
        return Err(format!(
            "the data says {:?}, the line says {key_type:?}",
            String::from_utf8_lossy(inner_type)
        ));
    }
    if key_type.ends_with("-cert-v01@openssh.com") {
        fields.string("the certificate nonce")?;
        return Ok(Family::Certificate);
    }
    let family = match key_type {
        "ssh-rsa" => {
            fields.positive_mpint("the RSA exponent")?;
            let bits = fields.positive_mpint("the RSA modulus")?;
            Family::Rsa { bits }
        }
        "ssh-dss" => {
            for what in ["DSA p", "DSA q", "DSA g", "DSA y"] {
                fields.positive_mpint(what)?;
            }
            Family::Dsa
        }
        "ssh-ed25519" | "sk-ssh-ed25519@openssh.com" => {
            if fields.string("the Ed25519 key")?.len() != 32 {
                return Err("an Ed25519 key is 32 bytes".into());
            }
            if key_type == "ssh-ed25519" {
                Family::Ed25519
            } else {
                fields.string("the security key application")?;
                Family::SkEd25519
            }
        }
        _ => match curve_of(key_type) {
            Some((curve, point_length)) => {
                read_ecdsa(&mut fields, curve, point_length)?;
                if key_type.starts_with("sk-") {
                    fields.string("the security key application")?;
                    Family::SkEcdsa
                } else {
                    Family::Ecdsa { curve }
                }
            }
            // Unknown types: only the leading name can be checked.
            None => return Ok(Family::Unknown),
        },
    };
    fields.end()?;
    Ok(family)
}

/// The curve name field and an uncompressed point of the curve's size.
fn read_ecdsa(fields: &mut Fields<'_>, curve: &str, point_length: usize) -> Result<(), String> {
    if fields.string("the curve name")? != curve.as_bytes() {
        return Err(format!("the curve name is not {curve}"));
    }
    let point = fields.string("the ECDSA point")?;
    if point.len() != point_length || point[0] != 0x04 {
        return Err(format!(
            "a {curve} point is {point_length} bytes starting with 04"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixture key with what `ssh-keygen -l` printed for it.
    const FIXTURES: &[(&str, &str, &str)] = &[
        (
            include_str!("../../tests/fixtures/keys/ed25519.pub"),
            include_str!("../../tests/fixtures/keys/ed25519.md5"),
            include_str!("../../tests/fixtures/keys/ed25519.sha256"),
        ),
        (
            include_str!("../../tests/fixtures/keys/rsa3072.pub"),
            include_str!("../../tests/fixtures/keys/rsa3072.md5"),
            include_str!("../../tests/fixtures/keys/rsa3072.sha256"),
        ),
        (
            include_str!("../../tests/fixtures/keys/ecdsa256.pub"),
            include_str!("../../tests/fixtures/keys/ecdsa256.md5"),
            include_str!("../../tests/fixtures/keys/ecdsa256.sha256"),
        ),
        (
            include_str!("../../tests/fixtures/keys/ecdsa384.pub"),
            include_str!("../../tests/fixtures/keys/ecdsa384.md5"),
            include_str!("../../tests/fixtures/keys/ecdsa384.sha256"),
        ),
        (
            include_str!("../../tests/fixtures/keys/ecdsa521.pub"),
            include_str!("../../tests/fixtures/keys/ecdsa521.md5"),
            include_str!("../../tests/fixtures/keys/ecdsa521.sha256"),
        ),
        (
            include_str!("../../tests/fixtures/keys/dsa1024.pub"),
            include_str!("../../tests/fixtures/keys/dsa1024.md5"),
            include_str!("../../tests/fixtures/keys/dsa1024.sha256"),
        ),
    ];

    /// The hash field of a `ssh-keygen -l` line (`BITS HASH COMMENT (TYPE)`).
    fn printed_hash(line: &str) -> &str {
        line.split_whitespace().nth(1).unwrap()
    }

    #[test]
    fn fingerprints_match_what_ssh_keygen_printed() {
        for (public, md5, sha256) in FIXTURES {
            let key = read(public).unwrap();
            assert_eq!(format!("MD5:{}", key.md5()), printed_hash(md5), "{public}");
            assert_eq!(key.sha256(), printed_hash(sha256), "{public}");
            assert_eq!(key.line(), public.trim());
        }
    }

    #[test]
    fn families_and_sizes_come_from_the_fields() {
        let families: Vec<Family> = FIXTURES
            .iter()
            .map(|(public, _, _)| read(public).unwrap().family)
            .collect();
        assert_eq!(
            families,
            [
                Family::Ed25519,
                Family::Rsa { bits: 3072 },
                Family::Ecdsa { curve: "nistp256" },
                Family::Ecdsa { curve: "nistp384" },
                Family::Ecdsa { curve: "nistp521" },
                Family::Dsa,
            ]
        );
    }

    fn string(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }

    fn line(key_type: &str, blob: &[u8]) -> String {
        format!("{key_type} {} c", STANDARD.encode(blob))
    }

    #[test]
    fn malformed_fields_are_refused() {
        let good = read(FIXTURES[0].0).unwrap();
        let mut trailing = good.blob.clone();
        trailing.push(0);
        let mut short_ed = Vec::new();
        string(&mut short_ed, b"ssh-ed25519");
        string(&mut short_ed, &[1; 31]);
        let mut wrong_curve = Vec::new();
        string(&mut wrong_curve, b"ecdsa-sha2-nistp256");
        string(&mut wrong_curve, b"nistp384");
        string(&mut wrong_curve, &[4; 65]);
        let mut negative_rsa = Vec::new();
        string(&mut negative_rsa, b"ssh-rsa");
        string(&mut negative_rsa, &[1, 0, 1]);
        string(&mut negative_rsa, &[0x80; 256]);
        let cut = &good.blob[..good.blob.len() - 1];
        for (key_type, blob) in [
            ("ssh-ed25519", &trailing[..]),
            ("ssh-ed25519", &short_ed[..]),
            ("ecdsa-sha2-nistp256", &wrong_curve[..]),
            ("ssh-rsa", &negative_rsa[..]),
            ("ssh-ed25519", cut),
            ("ssh-rsa", &good.blob[..]),
        ] {
            let err = read(&line(key_type, blob)).unwrap_err();
            assert!(matches!(err, KeyTextError::Fields(_)), "{key_type}: {err}");
        }
        let data = STANDARD.encode(&good.blob);
        let padded = read(FIXTURES[2].0).unwrap().type_and_data();
        assert!(padded.ends_with('='));
        for text in [
            "",
            "ssh-ed25519",
            &format!("ssh-ed25519 {data}\nssh-ed25519 {data}"),
            &format!("ssh-ed25519 {}", &data[1..]),
            padded.trim_end_matches('='),
        ] {
            assert!(read(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn unknown_types_and_certificates_are_named_not_trusted() {
        let mut unknown = Vec::new();
        string(&mut unknown, b"ssh-xmss@openssh.com");
        string(&mut unknown, &[7; 64]);
        let read_unknown = read(&line("ssh-xmss@openssh.com", &unknown)).unwrap();
        assert_eq!(read_unknown.family, Family::Unknown);
        let mut cert = Vec::new();
        string(&mut cert, b"ssh-ed25519-cert-v01@openssh.com");
        string(&mut cert, &[9; 32]);
        string(&mut cert, &[1; 32]);
        let read_cert = read(&line("ssh-ed25519-cert-v01@openssh.com", &cert)).unwrap();
        assert_eq!(read_cert.family, Family::Certificate);
    }
}
