//! Text folding for search and uniqueness: "María" and "maria" are the same to a person typing.
//!
//! Both databases compare the folded form stored beside the original, so search behaves the same on
//! SQLite and PostgreSQL without collations or extensions.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, strips accents (NFD, then drops combining marks) and collapses white space.
pub fn fold(text: &str) -> String {
    let stripped: String = text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_accents_case_and_spaces() {
        assert_eq!(fold("María  José"), "maria jose");
        assert_eq!(fold("JUAN Pérez"), "juan perez");
        assert_eq!(fold("Ñandú"), "nandu");
        assert_eq!(fold("Sala Grande"), fold("sala   grande "));
    }
}
