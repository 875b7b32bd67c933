//! The loader's side of series sets: every string of a metric spec that may
//! hold brace expressions is parsed where it is read (a bad expression is
//! reported at its own column), and the set a metric stands for after each
//! of its actions is resolved across its levels (names, the size limit).

use super::diagnostic::{FileId, Reporter, Span};
use super::read::Reader;
use super::yaml::Pos;
use crate::sets::{SeriesSet, Template};

/// One string of a spec, parsed, with where it is written.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    template: Template,
    text: String,
    file: FileId,
    pos: Pos,
}

/// Parses `text`, written at `pos`, into `out`; `false` (reported) when an
/// expression in it is bad.
pub(crate) fn parse(r: &mut Reader<'_>, pos: Pos, text: &str, out: &mut Vec<Source>) -> bool {
    match Template::parse(text) {
        Ok(template) => {
            out.push(Source { template, text: text.to_owned(), file: r.file, pos });
            true
        }
        Err(e) => {
            let pos = r.pos_in(pos, text, e.offset);
            r.error_at(pos, e.message);
            false
        }
    }
}

/// The strings a metric's identity is made of, by level, in set order:
/// resource, scope and datapoint attributes, then the exported name.
#[derive(Clone, Debug, Default)]
pub(crate) struct SetSources {
    pub levels: [Option<Vec<Source>>; 4],
}

/// Where each level is in [`SetSources::levels`] (set order).
pub(crate) const RESOURCE: usize = 0;
pub(crate) const SCOPE: usize = 1;
pub(crate) const DATAPOINT: usize = 2;
pub(crate) const NAME: usize = 3;

impl SetSources {
    /// Where the first string with an expression is, if any.
    pub fn first_expression(&self) -> Option<Span> {
        let s = self.levels.iter().flatten().flatten().find(|s| !s.template.verbatim)?;
        Some(Span { file: s.file, pos: s.pos })
    }

    /// The sources after `later`'s given levels replace these.
    pub fn overlay(&mut self, later: SetSources) {
        for (mine, theirs) in self.levels.iter_mut().zip(later.levels) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
    }

    /// Resolves the set, reporting every problem at its string's column;
    /// `None` when a problem was reported.
    pub fn check(&self, rep: &mut Reporter, metric: &str) -> Option<SeriesSet> {
        self.check_for(rep, &format!("metric `{metric}`"))
    }

    /// [`check`](Self::check) for what messages call `what` ("trace `checkout`").
    pub fn check_for(&self, rep: &mut Reporter, what: &str) -> Option<SeriesSet> {
        let sources: Vec<&Source> = self.levels.iter().flatten().flatten().collect();
        let templates: Vec<Template> = sources.iter().map(|s| s.template.clone()).collect();
        match SeriesSet::resolve(&templates) {
            Ok(set) => Some(set),
            Err(problems) => {
                for p in problems {
                    let s = sources[p.template];
                    let pos = rep.pos_in(s.file, s.pos, &s.text, p.offset);
                    rep.error(Span { file: s.file, pos }, format!("{what}: {}", p.message));
                }
                None
            }
        }
    }
}
