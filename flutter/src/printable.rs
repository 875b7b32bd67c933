//! Text from files and servers, made safe for a terminal: nothing a scenario
//! or a receiver sends can move the cursor, clear the screen or hide a line.

use std::borrow::Cow;

/// `text` with every control character but tab shown as an escape (`\r`,
/// `\0`, `\u{1b}`); `text` itself when it has none.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_printable(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c`, escaped if it is a control character; returns how many
/// columns it took.
pub(crate) fn push_printable(out: &mut String, c: char) -> usize {
    if !needs_escape(c) {
        out.push(c);
        return 1;
    }
    let before = out.len();
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
    out.len() - before
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert!(matches!(printable("plain\ttext, ünïcode"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{1b}[2Jb\r\n\0\u{7f}\u{9b}"), "a\\u{1b}[2Jb\\r\\n\\0\\u{7f}\\u{9b}");
    }
}
