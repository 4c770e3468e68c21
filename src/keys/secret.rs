//! A string that holds a secret (token, private key, passphrase).
//!
//! It zeroes its memory on drop and never shows its content through `Debug`
//! or `Display`, so a secret cannot leak through a log line or an error by
//! accident: reading it takes an explicit [`SecretString::expose`].

use zeroize::Zeroizing;

/// A secret string: zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself. Call this only where the secret is used (a request
    /// header, a file write), never to format a message.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Mutable access for text-edit widgets that edit the secret in place.
    pub fn expose_mut(&mut self) -> &mut String {
        &mut self.0
    }

    /// True when the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("SecretString(<empty>)")
        } else {
            f.write_str("SecretString(<redacted>)")
        }
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = SecretString::new("hunter2$token");
        let shown = format!("{secret:?}");
        assert!(!shown.contains("hunter2"));
        assert_eq!(shown, "SecretString(<redacted>)");
        assert_eq!(secret.expose(), "hunter2$token");
    }
}
