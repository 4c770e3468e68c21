//! The one place where text that came from a provider's answer is made safe
//! to show: every message, field error and body excerpt of every provider
//! passes through a [`Redactor`] before it reaches an [`ApiError`].
//!
//! The order matters: secrets are removed before the result is shortened,
//! so a cut can never leave part of a token or key behind. Only what can be
//! shown is scrubbed: [`Redactor::short`] scrubs a prefix of the text,
//! extended so no secret straddles its end, and grows it only while the
//! scrubbed prefix is too short to fill what is shown. Every rule is one
//! linear pass, so a 10 MB body is redacted in milliseconds.

use std::collections::HashSet;

use zeroize::Zeroizing;

use super::error::ApiError;
use crate::keys::SecretString;

/// How many characters of a body the details view shows.
pub const EXCERPT_CHARS: usize = 200;

/// What replaces the account's token.
const TOKEN_MARK: &str = "<redacted>";
/// What replaces private key material.
const KEY_MARK: &str = "<private key removed>";
/// What a whole text becomes when key material was found in a form the
/// precise rules could not take apart.
const WITHHELD: &str = "<withheld: the text contained private key material>";

/// Tokens shorter than this are not searched for: replacing every "abc" in a
/// message would garble it, and such tokens are not real provider tokens.
const MIN_TOKEN_CHARS: usize = 4;
/// Length of the runs of a known private key's Base64 that count as a match.
const KEY_WINDOW: usize = 16;
/// Longest PEM label (`RSA PRIVATE KEY`…) we look for between the dashes.
const MAX_LABEL: usize = 80;
/// How far past `max_chars` characters (at up to 4 bytes each) the first
/// prefix [`Redactor::short`] scrubs reaches: room for what the rules
/// remove, so one pass is usually enough.
const PREFIX_SLACK: usize = 1024;

/// Removes the account's token and any private key from provider text.
///
/// It removes:
/// - the token, exactly, percent-encoded (either hex case) and JSON-escaped;
/// - every PEM-armoured private key block (`-----BEGIN … PRIVATE KEY-----`
///   to its END line, or to the end of the text when the END line is
///   missing), also with `\n` escapes instead of line breaks;
/// - the string value of any `private_key`/`privateKey` JSON field;
/// - any run of the Base64 of a private key this request sent (Terraform),
///   however it was re-wrapped or escaped.
///
/// `Debug` shows nothing secret.
#[derive(Clone, Copy, Default)]
pub struct Redactor<'a> {
    token: Option<&'a str>,
    private_key: Option<&'a str>,
}

impl std::fmt::Debug for Redactor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("token", &self.token.map(|_| "<redacted>"))
            .field("private_key", &self.private_key.map(|_| "<redacted>"))
            .finish()
    }
}

impl<'a> Redactor<'a> {
    /// A redactor for an account's token.
    pub fn new(token: &'a SecretString) -> Self {
        Self {
            token: Some(token.expose()),
            private_key: None,
        }
    }

    /// Also removes the Base64 of `private_key` (one the request sent).
    pub fn with_private_key(mut self, private_key: Option<&'a SecretString>) -> Self {
        self.private_key = private_key.map(SecretString::expose);
        self
    }

    /// `text` with every secret removed, at full length.
    pub fn clean(&self, text: &str) -> String {
        let mut out = Zeroizing::new(text.to_string());
        if let Some(token) = self.searched_token() {
            for form in token_forms(token) {
                if out.contains(form.as_str()) {
                    let cleaned = Zeroizing::new(out.replace(form.as_str(), TOKEN_MARK));
                    replace(&mut out, cleaned);
                }
            }
        }
        if let Some(cleaned) = remove_pem_blocks(&out) {
            replace(&mut out, cleaned);
        }
        if let Some(cleaned) = remove_private_key_fields(&out) {
            replace(&mut out, cleaned);
        }
        if let Some(key) = self.private_key
            && let Some(cleaned) = remove_known_key(&out, key)
        {
            replace(&mut out, cleaned);
        }
        if looks_like_key_material(&out) {
            return WITHHELD.to_string();
        }
        out.to_string()
    }

    /// `text` cleaned, then shortened to `max_chars` characters (with `…`).
    ///
    /// Only a prefix is scrubbed: one that ends where no secret straddles
    /// it ([`Self::safe_end`]) and that is long enough, once scrubbed, to
    /// fill `max_chars`. What is shown is what scrubbing the whole text and
    /// then cutting would show, unless the text holds key material only the
    /// catch-all rule finds past the prefix; then the prefix is shown (it
    /// holds none) where the whole text would have been withheld. A prefix
    /// the catch-all withholds grows until it is not withheld, so the
    /// whole text decides.
    pub fn short(&self, text: &str, max_chars: usize) -> String {
        self.short_from(text, max_chars, PREFIX_SLACK)
    }

    /// [`Self::short`], starting from a prefix of `max_chars * 4 + slack`
    /// bytes (tests start small, to put the prefix's end everywhere).
    fn short_from(&self, text: &str, max_chars: usize, slack: usize) -> String {
        // A PEM `BEGIN` line cut by the prefix's end reads as an unclosed
        // private key block: its mark may end the scrubbed prefix where the
        // whole text shows the public armour. Filling past that mark keeps
        // it out of what is shown.
        let needed = max_chars.saturating_add(KEY_MARK.chars().count());
        let mut end = max_chars.saturating_mul(4).saturating_add(slack);
        loop {
            end = self.safe_end(text, end);
            let cleaned = self.clean(&text[..end]);
            // A withheld prefix is not final: the catch-all may have read
            // an armour line that the rest of the text shows to be
            // harmless (a `BEGIN` right after it takes its dashes), so the
            // prefix grows until it is not withheld or is the whole text.
            let filled = cleaned != WITHHELD && cleaned.char_indices().nth(needed).is_some();
            if filled || end == text.len() {
                return cut(&cleaned, max_chars);
            }
            // Doubling keeps the total work linear in what is scrubbed.
            end = end.saturating_mul(2).max(KEY_WINDOW);
        }
    }

    /// The smallest end of a prefix, at or after `end` (or the whole
    /// text), that no secret straddles, so scrubbing the prefix removes the
    /// same as scrubbing the whole text would, up to that end: no token
    /// occurrence crosses it, nor (with a sent key) a run of Base64. A
    /// private key block or `private_key` value cut by the end is removed
    /// to the end anyway.
    fn safe_end(&self, text: &str, end: usize) -> usize {
        let bytes = text.as_bytes();
        let tokens = self.searched_token().map(token_forms).unwrap_or_default();
        let mut end = end.min(bytes.len());
        loop {
            let mut next = end;
            for form in &tokens {
                next = past_straddling(bytes, next, form.as_bytes());
            }
            if self.private_key.is_some() {
                next = past_run(bytes, next);
            }
            while !text.is_char_boundary(next) {
                next += 1;
            }
            if next == end {
                return end;
            }
            end = next;
        }
    }

    /// The token, when it is long enough to be searched for.
    fn searched_token(&self) -> Option<&'a str> {
        self.token.filter(|token| token.len() >= MIN_TOKEN_CHARS)
    }

    /// A body for the details view: decoded lossily, cleaned, then cut to
    /// [`EXCERPT_CHARS`].
    pub fn excerpt(&self, body: &[u8]) -> String {
        self.short(&String::from_utf8_lossy(body), EXCERPT_CHARS)
    }

    /// Cleans every text of an error: message, field names and messages,
    /// and details. Safe to apply more than once.
    pub fn error(&self, mut error: ApiError) -> ApiError {
        error.message = self.clean(&error.message);
        for field in &mut error.fields {
            field.field = self.clean(&field.field);
            for message in &mut field.messages {
                *message = self.clean(message);
            }
        }
        error.details = error.details.map(|details| self.clean(&details));
        error
    }
}

/// Replaces `out` with `new`, wiping the old text.
fn replace(out: &mut Zeroizing<String>, new: Zeroizing<String>) {
    *out = new;
}

/// The first `max_chars` characters of `text`, with `…` if it was longer.
pub fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The spellings of a token a server might echo: as is, percent-encoded
/// (upper- and lowercase hex) and JSON-escaped.
fn token_forms(token: &str) -> Vec<Zeroizing<String>> {
    let mut forms = vec![Zeroizing::new(token.to_string())];
    let mut upper = Zeroizing::new(String::new());
    let mut lower = Zeroizing::new(String::new());
    let mut json = Zeroizing::new(String::new());
    let mut json_slash = Zeroizing::new(String::new());
    for byte in token.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            upper.push(byte as char);
            lower.push(byte as char);
        } else {
            upper.push_str(&format!("%{byte:02X}"));
            lower.push_str(&format!("%{byte:02x}"));
        }
    }
    // JSON writers escape '/' or not, as they like.
    for c in token.chars() {
        if matches!(c, '"' | '\\') {
            json.push('\\');
        }
        if matches!(c, '"' | '\\' | '/') {
            json_slash.push('\\');
        }
        json.push(c);
        json_slash.push(c);
    }
    for form in [upper, lower, json, json_slash] {
        if !forms.iter().any(|known| **known == *form) {
            forms.push(form);
        }
    }
    forms
}

/// The text without line breaks, JSON escapes and spaces, in capitals: what
/// PEM armour looks like however it was wrapped or escaped.
fn squeezed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
            if matches!(c, 'n' | 'r' | 't') {
                continue;
            }
        }
        match c {
            '\\' => escaped = true,
            c if c.is_whitespace() => {}
            c => out.push(c.to_ascii_uppercase()),
        }
    }
    out
}

/// Whether a text still holds private key armour the precise rules missed
/// (a marker split by a line break, an unusual format).
fn looks_like_key_material(text: &str) -> bool {
    let squeezed = squeezed(text);
    squeezed.contains("PRIVATEKEY----")
        || squeezed.contains("PRIVATE-LINES:")
        || squeezed.contains("PRIVATE-MAC:")
}

/// Where the next armour line with `word` (BEGIN or END) starts in `text`,
/// and where its word ends: dashes, an optional space, then the word.
fn find_marker(text: &str, word: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let before = text[..at].trim_end_matches(' ');
        if before.ends_with("----") {
            let start = before.trim_end_matches('-').len();
            return Some((start, at + word.len()));
        }
        from = at + word.len();
    }
    None
}

/// After a marker word: the label up to the closing dashes, and where the
/// armour line ends; `None` when no closing dashes follow soon enough.
/// Looks no further than the label may reach, so many unclosed markers
/// cost no more than the text's length.
fn label_after(text: &str) -> Option<(&str, usize)> {
    let reach = text.len().min(MAX_LABEL + "----".len());
    let end = memchr::memmem::find(&text.as_bytes()[..reach], b"----")?;
    let label = &text[..end];
    let close = end + text[end..].len() - text[end..].trim_start_matches('-').len();
    Some((label, close))
}

/// Removes every private key block; `None` when there is none.
fn remove_pem_blocks(text: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut rest = text;
    let mut changed = false;
    while let Some((start, word_end)) = find_marker(rest, "BEGIN") {
        let header = label_after(&rest[word_end..]);
        // A header we cannot read is treated as a private key: fail closed.
        let private = header.is_none_or(|(label, _)| squeezed(label).contains("PRIVATE"));
        let body_from = word_end + header.map_or(0, |(_, close)| close);
        if !private {
            out.push_str(&rest[..body_from]);
            rest = &rest[body_from..];
            continue;
        }
        changed = true;
        out.push_str(&rest[..start]);
        out.push_str(KEY_MARK);
        let body = &rest[body_from..];
        // Without a readable END line the key runs to the end of the text.
        rest = find_marker(body, "END")
            .and_then(|(_, end_word)| {
                label_after(&body[end_word..]).map(|(_, close)| &body[end_word + close..])
            })
            .unwrap_or("");
    }
    if !changed {
        return None;
    }
    out.push_str(rest);
    Some(out)
}

/// Removes the string value of every `private_key` / `privateKey` /
/// `private-key` JSON field (also inside escaped JSON); `None` when there
/// is none. A `null` value is kept.
fn remove_private_key_fields(text: &str) -> Option<Zeroizing<String>> {
    let lower = Zeroizing::new(text.to_ascii_lowercase());
    let finder = memchr::memmem::Finder::new(b"private");
    let mut out = Zeroizing::new(String::new());
    let mut copied = 0;
    let mut from = 0;
    // One search for "private", then a look at what follows: searching for
    // each spelling separately went to the end of the text for every hit.
    while let Some(found) = finder.find(&lower.as_bytes()[from..]) {
        let at = from + found + "private".len();
        let Some(len) = ["_key", "key", "-key"]
            .iter()
            .find(|suffix| lower[at..].starts_with(*suffix))
            .map(|suffix| suffix.len())
        else {
            from = at;
            continue;
        };
        let after = at + len;
        let separators = text[after..]
            .bytes()
            .take_while(|b| matches!(b, b'"' | b'\\' | b':' | b' ' | b'\t'))
            .count();
        let sep = &text[after..after + separators];
        from = after + separators;
        // Only `name": "value` is a field with a string value; prose like
        // "the private_key field" is left alone.
        if !(sep.contains(':') && sep.ends_with('"')) {
            continue;
        }
        let value_end = text[from..].find('"').map_or(text.len(), |end| from + end);
        if value_end == from {
            continue;
        }
        out.push_str(&text[copied..from]);
        out.push_str(KEY_MARK);
        copied = value_end;
        from = value_end;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// Removes every run of `key`'s Base64 body from `text`, wherever it is
/// re-wrapped, indented or has `\n` escapes; `None` when there is none.
fn remove_known_key(text: &str, key: &str) -> Option<Zeroizing<String>> {
    let body: Zeroizing<Vec<u8>> = Zeroizing::new(
        key.lines()
            .map(str::trim)
            // Armour and PEM headers (`Proc-Type: …`) are not secret.
            .filter(|line| !line.contains("--") && !line.contains(':'))
            .flat_map(str::bytes)
            .collect(),
    );
    if body.len() < KEY_WINDOW {
        return None;
    }
    let windows: HashSet<&[u8]> = body.windows(KEY_WINDOW).collect();
    let bytes = text.as_bytes();
    let mut out = Zeroizing::new(String::new());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'\\' && matches!(bytes.get(at + 1), Some(b'n' | b'r' | b't')) {
            at += 2;
            continue;
        }
        if !is_base64(bytes[at]) {
            at += 1;
            continue;
        }
        let run = base64_run(bytes, at);
        at = run.last + 1;
        // Only the part from the first to the last matching window goes, so
        // words next to the key (joined to it by spaces) stay.
        let hits: Vec<usize> = run
            .content
            .windows(KEY_WINDOW)
            .enumerate()
            .filter(|(_, window)| windows.contains(window))
            .map(|(index, _)| index)
            .collect();
        if let (Some(&first), Some(&last_hit)) = (hits.first(), hits.last()) {
            let start = run.positions[first];
            let end = run.positions[last_hit + KEY_WINDOW - 1] + 1;
            out.push_str(&text[copied..start]);
            out.push_str(KEY_MARK);
            copied = end;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// One run of Base64 in a text: Base64 characters with line breaks,
/// spaces and `\n` escapes between them.
struct Base64Run {
    /// The Base64 characters.
    content: Zeroizing<Vec<u8>>,
    /// Where each of them sits in the text.
    positions: Vec<usize>,
    /// Where the last of them sits (the start, for an empty run).
    last: usize,
}

/// The run of Base64 starting at `start`.
fn base64_run(bytes: &[u8], start: usize) -> Base64Run {
    let mut run = Base64Run {
        content: Zeroizing::new(Vec::new()),
        positions: Vec::new(),
        last: start,
    };
    let mut escaped = false;
    for (at, &byte) in bytes.iter().enumerate().skip(start) {
        let keep = if byte == b'\\' {
            // A run of backslashes: one or more levels of escaping.
            escaped = true;
            false
        } else if escaped {
            escaped = false;
            match byte {
                b'n' | b'r' | b't' => false,
                // `\/` is an escaped '/', which is Base64.
                b'/' => true,
                _ => break,
            }
        } else if is_base64(byte) {
            true
        } else if byte.is_ascii_whitespace() {
            false
        } else {
            break;
        };
        if keep {
            run.content.push(byte);
            run.positions.push(at);
            run.last = at;
        }
    }
    run
}

fn is_base64(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'=')
}

/// `end`, or the end of an occurrence of `needle` that starts before `end`
/// and reaches past it.
fn past_straddling(bytes: &[u8], end: usize, needle: &[u8]) -> usize {
    let from = end.saturating_sub(needle.len());
    let to = bytes.len().min(end + needle.len());
    if from >= to {
        return end;
    }
    memchr::memmem::find_iter(&bytes[from..to], needle)
        .map(|at| from + at)
        .filter(|&start| start < end)
        .map(|start| start + needle.len())
        .fold(end, usize::max)
}

/// `end`, or past the run of Base64, spaces and escapes it falls inside
/// (what [`remove_known_key`] takes as one run; here a superset of it).
fn past_run(bytes: &[u8], mut end: usize) -> usize {
    let in_run = |byte: u8| is_base64(byte) || byte.is_ascii_whitespace() || byte == b'\\';
    if end == 0 || end >= bytes.len() || !in_run(bytes[end - 1]) {
        return end;
    }
    while end < bytes.len() && in_run(bytes[end]) {
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{ApiErrorKind, FieldError};
    use proptest::prelude::*;

    const TOKEN: &str = "1234$Zq8Xv3Lw9Pt2/Rm7N\"x";
    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\n\
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
        QyNTUxOQAAACDG8tXQe0Mx1FQZ0y2m0VgSxXkJx8nCZf8m4Qk3GsK9YwAAAJg2S2vRNktr\n\
        -----END OPENSSH PRIVATE KEY-----\n";

    fn redactor(token: &SecretString) -> Redactor<'_> {
        Redactor::new(token)
    }

    #[test]
    fn token_forms_are_removed() {
        let token = SecretString::new(TOKEN);
        let r = redactor(&token);
        let encoded = "1234%24Zq8Xv3Lw9Pt2%2FRm7N%22x";
        let json = serde_json::to_string(&format!("a {TOKEN} b")).unwrap();
        let escaped_slash = json.replace('/', "\\/");
        for text in [
            format!("token {TOKEN} here"),
            format!("url ?t={encoded}"),
            "url ?t=1234%24Zq8Xv3Lw9Pt2%2fRm7N%22x".to_string(),
            json,
            escaped_slash,
        ] {
            let cleaned = r.clean(&text);
            assert!(cleaned.contains(TOKEN_MARK), "{text} -> {cleaned}");
            assert!(!cleaned.contains("Zq8Xv3Lw"), "{text} -> {cleaned}");
        }
        assert_eq!(r.clean("nothing here"), "nothing here");
    }

    #[test]
    fn scrubbing_happens_before_the_cut() {
        let token = SecretString::new("Zq8Xv3Lw9Pt2Rm7N");
        let text = format!("{}{}", "x".repeat(195), "Zq8Xv3Lw9Pt2Rm7N and more");
        let short = redactor(&token).short(&text, 200);
        assert!(!short.contains("Zq8X"), "{short}");
        assert!(short.ends_with('…'));
        assert_eq!(cut("héllo", 2), "hé…");
        assert_eq!(cut("hé", 2), "hé");
    }

    #[test]
    fn pem_blocks_are_removed_in_every_form() {
        let token = SecretString::new("unused-token");
        let r = redactor(&token);
        let escaped = serde_json::to_string(KEY).unwrap();
        let truncated = &KEY[..KEY.len() / 2];
        let double = serde_json::to_string(&escaped).unwrap();
        let sec1 = KEY.replace("OPENSSH PRIVATE", "EC PRIVATE");
        for text in [
            format!("before {KEY} after"),
            format!("{{\"x\":{escaped},\"y\":1}}"),
            format!("cut {truncated}"),
            format!("double {double}"),
            format!("crlf {}", KEY.replace('\n', "\r\n")),
            format!("split {}", KEY.replace("PRIVATE KEY", "PRIVA\nTE KEY")),
            sec1,
        ] {
            let cleaned = r.clean(&text);
            assert!(!cleaned.contains("b3BlbnNz"), "{text} -> {cleaned}");
            assert!(!cleaned.contains("PRIVATE"), "{text} -> {cleaned}");
        }
        let both = r.clean(&format!("a {KEY} b {KEY} c"));
        assert_eq!(both, format!("a {KEY_MARK}\n b {KEY_MARK}\n c"));
        // Public armour is not secret.
        let public = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----";
        assert_eq!(r.clean(public), public);
        // Words are not armour.
        assert_eq!(
            r.clean("Value is not a valid private key"),
            "Value is not a valid private key"
        );
    }

    #[test]
    fn private_key_fields_are_removed() {
        let token = SecretString::new("unused-token");
        let r = redactor(&token);
        let cleaned = r.clean(r#"{"id":"1","private_key":"AAAAsecret","name":"n"}"#);
        assert_eq!(
            cleaned,
            r#"{"id":"1","private_key":"<private key removed>","name":"n"}"#
        );
        let cleaned = r.clean(r#"{"privateKey": "AAAAsecret"#);
        assert_eq!(cleaned, r#"{"privateKey": "<private key removed>"#);
        let kept = r#"{"private_key":null} the private_key field"#;
        assert_eq!(r.clean(kept), kept);
    }

    #[test]
    fn a_sent_key_is_removed_however_rewrapped() {
        let token = SecretString::new("unused-token");
        let key = SecretString::new(KEY);
        let r = redactor(&token).with_private_key(Some(&key));
        let flat: String = KEY
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let rewrapped: Vec<&str> = flat
            .as_bytes()
            .chunks(50)
            .map(|chunk| std::str::from_utf8(chunk).unwrap())
            .collect();
        for text in [
            format!("echo {} end", rewrapped.join("\\r\\n")),
            format!("echo {} end", rewrapped.join("\n   ")),
            format!("echo {} end", &flat[10..40]),
        ] {
            let cleaned = r.clean(&text);
            assert!(cleaned.starts_with("echo "), "{cleaned}");
            assert!(cleaned.ends_with(" end"), "{cleaned}");
            for start in 0..flat.len() - 16 {
                assert!(!cleaned.contains(&flat[start..start + 16]), "{cleaned}");
            }
        }
        assert_eq!(r.clean("short AAAA words"), "short AAAA words");
    }

    /// The secrets of these tests, as 8-character pieces: none may show.
    fn secret_pieces() -> Vec<String> {
        let body: String = KEY
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let mut pieces: Vec<String> = (0..=body.len() - 8)
            .map(|at| body[at..at + 8].to_string())
            .collect();
        pieces.extend((0..=TOKEN.len() - 8).map(|at| TOKEN[at..at + 8].to_string()));
        pieces.push("AAAAsecretvalue".into());
        pieces
    }

    fn assert_no_secret(shown: &str, text: &str) {
        for piece in secret_pieces() {
            assert!(
                !shown.contains(&piece),
                "{piece} in {shown:?} from {text:?}"
            );
        }
    }

    #[test]
    fn a_secret_straddling_the_cut_leaves_no_fragment() {
        let token = SecretString::new(TOKEN);
        let key = SecretString::new(KEY);
        let r = redactor(&token).with_private_key(Some(&key));
        let flat: String = KEY
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let escaped = serde_json::to_string(KEY).unwrap();
        let field = r#"{"private_key":"AAAAsecretvalue"}"#;
        for secret in [TOKEN, KEY, escaped.as_str(), field, flat.as_str()] {
            for before in 0..secret.len() + 40 {
                for max_chars in [5, 20, 60] {
                    let text = format!("{}{secret} tail {secret}", ".".repeat(before));
                    let shown = r.short_from(&text, max_chars, 0);
                    assert_no_secret(&shown, &text);
                    assert_eq!(shown, cut(&r.clean(&text), max_chars), "{text:?}");
                }
            }
        }
    }

    /// Pieces of provider text: padding, secrets in their forms, markers
    /// and fields, whole and cut.
    fn piece() -> impl Strategy<Value = String> {
        let escaped = serde_json::to_string(KEY).unwrap();
        let flat: String = KEY
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        prop_oneof![
            prop::sample::select(vec![
                "x", " ", "words ", ".", "\n", "\\n", "{", "}", "\"", ":", ",", "é", "--",
            ])
            .prop_map(str::to_string),
            Just(TOKEN.to_string()),
            Just("1234%24Zq8Xv3Lw9Pt2%2FRm7N%22x".to_string()),
            Just(serde_json::to_string(TOKEN).unwrap()),
            Just(KEY.to_string()),
            Just(KEY[..KEY.len() / 2].to_string()),
            Just(escaped),
            Just("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----".to_string()),
            Just(r#""private_key":"AAAAsecretvalue""#.to_string()),
            Just(r#""privateKey": "AAAAsecretvalue"#.to_string()),
            Just("-----BEGIN ".to_string()),
            Just("-----END OPENSSH PRIVATE KEY-----".to_string()),
            (0..flat.len() - 20, 16..40usize)
                .prop_map(move |(at, len)| { flat[at..(at + len).min(flat.len())].to_string() }),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        /// Scrubbing a prefix shows exactly what scrubbing the whole text
        /// and cutting shows (unless the whole text is withheld), and never
        /// a secret.
        #[test]
        fn short_shows_what_the_whole_text_would(
            pieces in proptest::collection::vec(piece(), 0..24),
            max_chars in 0usize..150,
        ) {
            let token = SecretString::new(TOKEN);
            let key = SecretString::new(KEY);
            let r = redactor(&token).with_private_key(Some(&key));
            let text = pieces.concat();
            let shown = r.short_from(&text, max_chars, 0);
            assert_no_secret(&shown, &text);
            let whole = r.clean(&text);
            if whole != WITHHELD {
                proptest::prop_assert_eq!(shown, cut(&whole, max_chars));
            }
        }
    }

    #[test]
    fn many_unclosed_markers_and_fields_are_scrubbed() {
        let token = SecretString::new(TOKEN);
        let r = redactor(&token);
        // Each hit once searched to the end of the text: quadratic.
        let fields = r#"{"private_key":"AAAAsecretvalue"} "#.repeat(20_000);
        let cleaned = r.clean(&fields);
        assert_eq!(cleaned.matches(KEY_MARK).count(), 20_000);
        assert_no_secret(&cleaned, "fields");
        // Headers closed by the next one's dashes: not private, kept.
        let markers = "-----BEGIN x ".repeat(20_000);
        assert!(r.clean(&markers) == markers);
        let unclosed = format!("-----BEGIN {} ", "x".repeat(MAX_LABEL)).repeat(2_000);
        assert_eq!(r.clean(&unclosed), KEY_MARK);
        let prose = "the private word ".repeat(20_000);
        assert!(r.clean(&prose) == prose);
    }

    #[test]
    fn errors_are_cleaned_everywhere_and_debug_is_silent() {
        let token = SecretString::new("Zq8Xv3Lw9Pt2Rm7N");
        let r = redactor(&token);
        let error = ApiError::new(ApiErrorKind::Validation, "m Zq8Xv3Lw9Pt2Rm7N")
            .with_details(format!("d {KEY}"))
            .with_fields(vec![FieldError {
                field: "Zq8Xv3Lw9Pt2Rm7N".into(),
                messages: vec![KEY.into()],
            }]);
        let shown = format!("{:?}", r.error(error));
        assert!(
            !shown.contains("Zq8X") && !shown.contains("b3Bl"),
            "{shown}"
        );
        assert!(!format!("{r:?}").contains("Zq8X"));
    }
}
