//! `${NAME}` references in header values, expanded from the environment when a
//! run starts (never at compile time, so no secret is built into a binary).

/// A `${NAME}` reference that cannot be expanded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `${` without its `}`.
    #[error("`${{` at byte {0} has no closing `}}`")]
    Unclosed(usize),
    /// `${}` or a name with characters other than letters, digits and `_`.
    #[error("`${{{0}}}` is not a valid environment variable name (letters, digits and `_`)")]
    BadName(String),
    /// The variable is not set.
    #[error("environment variable `{0}` is not set")]
    Unset(String),
    /// The variable's value holds a byte an HTTP header cannot carry (a line
    /// break, a control character); the value itself is a secret.
    #[error(
        "environment variable `{0}` holds a line break or another character a header value cannot carry \
         (its value is not shown)"
    )]
    NotAHeaderValue(String),
}

/// Checks the syntax of every `${NAME}` in `text`.
pub fn check_template(text: &str) -> Result<(), TemplateError> {
    expand(text, |_| Some(String::new())).map(|_| ())
}

/// Replaces each `${NAME}` with `lookup(NAME)`; `$` not followed by `{` is kept.
pub fn expand(text: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(idx) = rest.find("${") {
        out.push_str(&rest[..idx]);
        let after = &rest[idx + 2..];
        let end = after.find('}').ok_or(TemplateError::Unclosed(text.len() - rest.len() + idx))?;
        let name = &after[..end];
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(TemplateError::BadName(name.to_owned()));
        }
        let value = lookup(name).ok_or_else(|| TemplateError::Unset(name.to_owned()))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Expands `text` from the process environment.
pub fn expand_from_env(text: &str) -> Result<String, TemplateError> {
    expand(text, |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_names() {
        let lookup = |n: &str| (n == "TOKEN").then(|| "s3cret".to_owned());
        assert_eq!(expand("Bearer ${TOKEN}", lookup).unwrap(), "Bearer s3cret");
        assert_eq!(expand("a$b ${TOKEN}${TOKEN}", lookup).unwrap(), "a$b s3crets3cret");
        assert_eq!(expand("${MISSING}", lookup), Err(TemplateError::Unset("MISSING".into())));
        assert_eq!(expand("x ${TOKEN", lookup), Err(TemplateError::Unclosed(2)));
        assert_eq!(expand("${1A}", lookup), Err(TemplateError::BadName("1A".into())));
        assert_eq!(expand("${}", lookup), Err(TemplateError::BadName(String::new())));
    }
}
