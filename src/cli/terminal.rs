//! Text from a server (key names, comments, ids, error messages) or from
//! a file, made safe to print to a terminal. A key named `\x1b[2J` would
//! otherwise clear the screen, and OSC sequences can retitle the window,
//! plant hyperlinks or, on some terminals, write to the clipboard.
//!
//! The human output goes through [`escape`]; `--json` through
//! [`write_json`], which escapes what serde_json leaves as it is (C1 and
//! the bidirectional controls), so a JSON document piped to a terminal is
//! as safe as a table.

use std::borrow::Cow;
use std::fmt::Write;
use std::io;

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

/// Writes `value` as pretty JSON and a line break. Strings escape, beside
/// what JSON requires (C0, `"` and `\\`), every C1 and bidirectional
/// control as `\\uXXXX`: the same document to a JSON reader, and nothing a
/// terminal acts on.
pub fn write_json<T: serde::Serialize + ?Sized>(
    out: &mut dyn io::Write,
    value: &T,
) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafe::default());
    value.serialize(&mut serializer).map_err(io::Error::from)?;
    writeln!(out)
}

/// serde_json's pretty layout, with string fragments escaped as
/// [`write_json`] says.
#[derive(Default)]
struct TerminalSafe(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| needs_escape(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Outside the BMP there is no control to escape, so one
            // `\uXXXX` always suffices.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
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

    #[test]
    fn json_escapes_what_a_terminal_would_act_on_and_reads_back_the_same() {
        let name = "a\u{9b}31mb\u{202e}c\u{2066}d\u{7f}e\u{1b}[2Jf ключ 🔑";
        let value = serde_json::json!({ "keys": [{ "name": name }], "n": 3 });
        let mut out = Vec::new();
        write_json(&mut out, &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.chars().any(|c| c != '\n' && needs_escape(c)),
            "{text:?}"
        );
        assert!(
            text.contains("\\u009b") && text.contains("\\u202e"),
            "{text}"
        );
        assert!(text.contains("ключ 🔑"), "ordinary Unicode is kept: {text}");
        let read: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read, value);
        // The layout is serde_json's pretty one.
        let mut pretty = serde_json::to_string_pretty(&serde_json::json!({ "n": 3 })).unwrap();
        pretty.push('\n');
        let mut out = Vec::new();
        write_json(&mut out, &serde_json::json!({ "n": 3 })).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), pretty);
    }
}
