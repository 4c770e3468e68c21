//! Text from a server (key names, comments, ids, error messages) or from
//! a file, made safe to print to a terminal. A key named `\x1b[2J` would
//! otherwise clear the screen, and OSC sequences can retitle the window,
//! plant hyperlinks or, on some terminals, write to the clipboard.
//!
//! Only the human output goes through here; `--json` is escaped by
//! serde_json already.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character shown as a visible escape: C0
/// (including tab and line breaks, which would break a table's layout),
/// DEL, C1 (including the one-byte CSI `\u{9b}`), and the invisible
/// bidirectional controls that reorder what follows them on screen. An
/// escape sequence loses its ESC, so its remaining characters are plain
/// text. Everything else, ordinary Unicode included, is kept.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        // Writing to a String cannot fail.
        let _ = match c {
            '\n' => write!(out, "\\n"),
            '\r' => write!(out, "\\r"),
            '\t' => write!(out, "\\t"),
            c if (c as u32) < 0x100 => write!(out, "\\x{:02x}", c as u32),
            c => write!(out, "\\u{{{:x}}}", c as u32),
        };
    }
    Cow::Owned(out)
}

/// Whether `c` must not reach a terminal as it is.
fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The Unicode bidirectional formatting characters (marks, embeddings,
/// overrides and isolates): invisible, and they make a line show in
/// another order than it was written ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(escape("\x1b[2Jcleared"), "\\x1b[2Jcleared");
        assert_eq!(escape("\x1b]0;owned\x07title"), "\\x1b]0;owned\\x07title");
        assert_eq!(escape("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(escape("nul\0 del\x7f"), "nul\\x00 del\\x7f");
        // C1: the one-byte CSI and OSC.
        assert_eq!(escape("\u{9b}31m\u{9d}x"), "\\x9b31m\\x9dx");
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(escape("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
    }

    #[test]
    fn ordinary_text_is_kept_as_it_is() {
        for text in [
            "laptop",
            "my key (2024) = work",
            "clé été ключ 鍵 🔑",
            "back\\slash",
            "",
        ] {
            assert!(matches!(escape(text), Cow::Borrowed(_)), "{text}");
            assert_eq!(escape(text), text);
        }
    }

    #[test]
    fn nothing_escaped_holds_a_control_character() {
        let every: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let escaped = escape(&every);
        assert!(!escaped.chars().any(needs_escape), "{escaped}");
    }
}
