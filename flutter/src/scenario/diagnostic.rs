//! Scenario errors: file, line, column, what is wrong, and the offending line.

use std::fmt;

use super::yaml::Pos;
use crate::printable::{printable, push_printable};

/// One problem in a scenario, located in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it (command line, or the macro's literal).
    pub file: String,
    /// Where in the file, when the problem has a place.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
    /// The text of the line at `pos`.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// The location prefix: `file:line:col` or just `file`.
    pub fn location(&self) -> String {
        match self.pos {
            Some(p) => format!("{}:{}:{}", self.file, p.line, p.column),
            None => self.file.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// ```text
    /// scenario.yaml:12:7: unknown key `frequncy` in a metric spec; did you mean `frequency`?
    ///    |
    /// 12 |       frequncy: 10s
    ///    |       ^
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", printable(&self.location()), printable(&self.message))?;
        if let (Some(pos), Some(line)) = (self.pos, &self.source_line) {
            let number = pos.line.to_string();
            let gutter = " ".repeat(number.len());
            let (line, pad) = quote(line, pos.column as usize);
            write!(f, "\n{gutter} |\n{number} | {line}\n{gutter} | {pad}^")?;
        }
        Ok(())
    }
}

/// At most this many characters of a long line are quoted, around the column
/// (a one-line file of 30 MB must not print 30 MB)...
const QUOTED_CHARS: usize = 120;
/// ...and a line up to this long is quoted whole.
const WHOLE_LINE: usize = 160;

/// The part of `line` worth quoting for 1-based `column`, with control
/// characters escaped, and the padding that puts a caret under the column
/// (tabs kept, so the caret lines up under them).
fn quote(line: &str, column: usize) -> (String, String) {
    let at = column.saturating_sub(1);
    // The whole line when it is not much longer, else a window with the column
    // near its middle.
    let len = line.chars().count();
    let window = if len <= WHOLE_LINE { len } else { QUOTED_CHARS };
    let start = at.saturating_sub(window / 2).min(len - window);
    let (mut shown, mut pad) = (String::new(), String::new());
    if start > 0 {
        shown.push('…');
        pad.push(' ');
    }
    for (i, c) in line.chars().enumerate().skip(start) {
        if i == start + window {
            shown.push('…');
            break;
        }
        let width = push_printable(&mut shown, c);
        if i < at {
            if c == '\t' {
                pad.push('\t');
            } else {
                pad.extend(std::iter::repeat_n(' ', width));
            }
        }
    }
    (shown, pad)
}

/// Why a scenario could not be loaded: every problem found, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The problems, at least one.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl LoadError {
    /// The report a command line prints: each problem as `error: …` with its
    /// source line, then a count, e.g. "flutter: 2 errors in the scenario;
    /// nothing was run".
    pub fn report(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&format!("error: {d}\n\n"));
        }
        let n = self.diagnostics.len();
        out.push_str(&format!(
            "flutter: {n} error{} in the scenario; nothing was run\n",
            if n == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Collects diagnostics for one load, with the texts needed to quote lines.
#[derive(Debug, Default)]
pub(crate) struct Reporter {
    files: Vec<(String, Option<String>)>,
    diagnostics: Vec<Diagnostic>,
}

/// Index of a file registered with a [`Reporter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId(pub usize);

/// A position in one of the loaded files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Span {
    pub file: FileId,
    pub pos: Pos,
}

impl Reporter {
    /// Registers a file (its text when it could be read) for quoting.
    pub fn add_file(&mut self, name: &str, text: Option<String>) -> FileId {
        self.files.push((name.to_owned(), text));
        FileId(self.files.len() - 1)
    }

    pub fn file_name(&self, file: FileId) -> &str {
        &self.files[file.0].0
    }

    /// The text of a line of a file, when the file could be read.
    pub fn source_line(&self, file: FileId, line: u32) -> Option<&str> {
        self.files[file.0].1.as_deref()?.lines().nth(line.saturating_sub(1) as usize)
    }

    /// `file:line:col` of a span, for messages that point at a second place.
    /// Where character `offset` of a one-line scalar at `pos` in `file`, whose
    /// value is `text`, is written (the scalar's start when that is unclear,
    /// as for a scalar spread over lines or with escapes before the offset).
    pub fn pos_in(&self, file: FileId, pos: Pos, text: &str, offset: usize) -> Pos {
        let Some(line) = self.source_line(file, pos.line) else { return pos };
        let from: String = line.chars().skip(pos.column.saturating_sub(1) as usize).collect();
        let quote = usize::from(from.starts_with('"') || from.starts_with('\''));
        let body: String = from.chars().skip(quote).collect();
        if !body.starts_with(text.trim_end()) && !body.starts_with(&text.chars().take(offset + 1).collect::<String>()) {
            return pos;
        }
        Pos { line: pos.line, column: pos.column + (quote + offset) as u32 }
    }

    pub fn describe(&self, span: Span) -> String {
        format!("{}:{}:{}", self.file_name(span.file), span.pos.line, span.pos.column)
    }

    /// Reports a problem at a place in a file.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        let source_line = self.files[span.file.0]
            .1
            .as_deref()
            .and_then(|text| text.lines().nth(span.pos.line.saturating_sub(1) as usize))
            .map(|line| line.trim_end_matches('\r').to_owned());
        self.diagnostics.push(Diagnostic {
            file: self.file_name(span.file).to_owned(),
            pos: Some(span.pos),
            message: message.into(),
            source_line,
        });
    }

    /// Reports a problem with a file as a whole (unreadable, empty, …).
    pub fn file_error(&mut self, file: FileId, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            file: self.file_name(file).to_owned(),
            pos: None,
            message: message.into(),
            source_line: None,
        });
    }

    pub fn has_errors(&self) -> bool {
        !self.diagnostics.is_empty()
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.len()
    }

    /// The diagnostics, sorted by file and position so output is stable.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        let order: Vec<&str> = self.files.iter().map(|(n, _)| n.as_str()).collect();
        let rank = |d: &Diagnostic| order.iter().position(|n| *n == d.file).unwrap_or(usize::MAX);
        // Stable: diagnostics at the same place keep the order they were found in.
        self.diagnostics.sort_by_key(|d| (rank(d), d.pos));
        self.diagnostics
    }
}

/// The closest candidate to a misspelt word, if one is close enough to suggest.
pub(crate) fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate.eq_ignore_ascii_case(word) {
            return Some(candidate);
        }
        let distance = edit_distance(&lower, &candidate.to_ascii_lowercase());
        // One edit per three characters: no guesses for one- or two-letter names.
        let limit = candidate.chars().count() / 3;
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = ["frequency", "emitters", "type", "name", "unit"];
        assert_eq!(did_you_mean("frequncy", keys), Some("frequency"));
        assert_eq!(did_you_mean("emiters", keys), Some("emitters"));
        assert_eq!(did_you_mean("Type", keys), Some("type"));
        assert_eq!(did_you_mean("tpye", keys), Some("type"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(did_you_mean("d", ["c", "cd"]), None);
        assert_eq!(did_you_mean("sed", ["seed"]), Some("seed"));
        assert_eq!(did_you_mean("random6", ["random5"]), Some("random5"));
    }

    #[test]
    fn renders_location_line_and_caret() {
        let d = Diagnostic {
            file: "a.yaml".into(),
            pos: Some(Pos { line: 12, column: 7 }),
            message: "bad".into(),
            source_line: Some("      frequncy: 10s".into()),
        };
        assert_eq!(d.to_string(), "a.yaml:12:7: bad\n   |\n12 |       frequncy: 10s\n   |       ^");
        let d = Diagnostic { file: "a.yaml".into(), pos: None, message: "empty".into(), source_line: None };
        assert_eq!(d.to_string(), "a.yaml: empty");
    }

    #[test]
    fn control_characters_are_escaped_and_the_caret_still_lines_up() {
        let d = Diagnostic {
            file: "a.yaml".into(),
            pos: Some(Pos { line: 1, column: 6 }),
            message: "unknown key `k\u{1b}[2J`".into(),
            source_line: Some("\u{1b}[2J\tk: 1\r".into()),
        };
        // Under `\u{1b}[2J` (9 columns shown) and the tab.
        let caret = format!("{}\t^", " ".repeat(9));
        assert_eq!(
            d.to_string(),
            format!("a.yaml:1:6: unknown key `k\\u{{1b}}[2J`\n  |\n1 | \\u{{1b}}[2J\tk: 1\\r\n  | {caret}")
        );
    }

    #[test]
    fn a_long_line_is_quoted_around_the_column() {
        let line = format!("{}BAD{}", "a".repeat(10_000), "z".repeat(10_000));
        let d = Diagnostic {
            file: "a.yaml".into(),
            pos: Some(Pos { line: 1, column: 10_001 }),
            message: "bad".into(),
            source_line: Some(line),
        };
        let quoted = format!("…{}BAD{}…", "a".repeat(60), "z".repeat(57));
        let caret = format!("{}^", " ".repeat(61));
        assert_eq!(d.to_string(), format!("a.yaml:1:10001: bad\n  |\n1 | {quoted}\n  | {caret}"));
    }
}
