//! Reading Rust text without a parser: comments and literals blanked, then `mod` declarations
//! (files and inline blocks), `use` trees and qualified paths picked out, each with the module it
//! is written in and its line.

use crate::ModPath;

/// What one file declares and refers to.
pub(crate) struct Scanned {
    pub(crate) modules: Vec<ModPath>,
    /// `mod x;` declarations, relative to the file's module (inline parents included).
    pub(crate) external_children: Vec<Vec<String>>,
    pub(crate) paths: Vec<(ModPath, Vec<String>, usize)>,
}

/// Blanks comments, string and character literals (keeping line breaks), so only code is read.
pub fn blank(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let keep = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_char(chars.get(i.wrapping_sub(1))) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let rest: String = chars[j + 1..].iter().collect();
            let len = rest.find(&close).map_or(rest.chars().count(), |at| rest[..at].chars().count());
            let end = (j + 1 + len + close.chars().count()).min(chars.len());
            for &ch in &chars[i..end] {
                out.push(keep(ch));
            }
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(keep(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            let end = chars[i + 1..].iter().position(|&ch| ch == '\'').map_or(chars.len(), |p| i + 2 + p);
            let end = if chars.get(i + 1) == Some(&'\\') {
                chars[i + 3..].iter().position(|&ch| ch == '\'').map_or(chars.len(), |p| i + 4 + p)
            } else {
                end
            };
            for _ in i..end.min(chars.len()) {
                out.push(' ');
            }
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// `'x'` or `'\n'` rather than a lifetime `'a`.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    matches!((chars.get(i + 1), chars.get(i + 2)), (Some('\\'), _) | (Some(_), Some('\'')))
}

/// Walks blanked text: tracks inline `mod x { ... }` blocks and reads `mod x;`, `use` trees and
/// qualified paths.
pub(crate) fn scan(text: &str, module: &ModPath) -> Scanned {
    let tokens = tokenize(text);
    let mut modules = vec![module.clone()];
    let mut external_children = Vec::new();
    let mut paths = Vec::new();
    // Inline modules open at a brace depth; their names stack up.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let current = |inline: &[(String, usize)]| {
        let mut m = module.clone();
        m.extend(inline.iter().map(|(n, _)| n.clone()));
        m
    };
    let mut i = 0;
    while i < tokens.len() {
        let (tok, line) = (&tokens[i].0, tokens[i].1);
        match tok.as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 1).is_some_and(|t| is_ident(&t.0)) => {
                let name = tokens[i + 1].0.clone();
                match tokens.get(i + 2).map(|t| t.0.as_str()) {
                    Some(";") => {
                        let mut rel: Vec<String> = inline.iter().map(|(n, _)| n.clone()).collect();
                        rel.push(name);
                        external_children.push(rel);
                        i += 3;
                        continue;
                    }
                    Some("{") => {
                        inline.push((name, depth));
                        modules.push(current(&inline));
                        depth += 1;
                        i += 3;
                        continue;
                    }
                    _ => {}
                }
            }
            "use" => {
                let end = tokens[i..].iter().position(|t| t.0 == ";").map_or(tokens.len(), |p| i + p);
                let here = current(&inline);
                for path in expand_use(&tokens[i + 1..end]) {
                    paths.push((here.clone(), path, line));
                }
                i = end + 1;
                continue;
            }
            "crate" | "super" | "self"
                if tokens.get(i + 1).is_some_and(|t| t.0 == "::")
                    && !(i > 0 && tokens[i - 1].0 == "$")
                    && !(i > 0 && tokens[i - 1].0 == "::") =>
            {
                let mut path = vec![tok.clone()];
                let mut j = i + 1;
                while tokens.get(j).is_some_and(|t| t.0 == "::") && tokens.get(j + 1).is_some_and(|t| is_ident(&t.0)) {
                    path.push(tokens[j + 1].0.clone());
                    j += 2;
                }
                paths.push((current(&inline), path, line));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Scanned { modules, external_children, paths }
}

fn is_ident(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Identifiers, `::` and single punctuation characters, each with its line.
fn tokenize(text: &str) -> Vec<(String, usize)> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((chars[start..i].iter().collect(), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push(("::".to_owned(), line));
            i += 2;
        } else {
            tokens.push((c.to_string(), line));
            i += 1;
        }
    }
    tokens
}

/// The paths a `use` tree names: `a::{b, c::d as e, f::*}` gives `a::b`, `a::c::d`, `a::f`.
fn expand_use(tokens: &[(String, usize)]) -> Vec<Vec<String>> {
    let words: Vec<&str> = tokens.iter().map(|t| t.0.as_str()).collect();
    let mut out = Vec::new();
    let mut at = 0;
    tree(&words, &mut at, Vec::new(), &mut out);
    out
}

fn tree(words: &[&str], at: &mut usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    if words.get(*at) == Some(&"::") {
        *at += 1;
    }
    loop {
        match words.get(*at).copied() {
            Some("{") => {
                *at += 1;
                loop {
                    tree(words, at, prefix.clone(), out);
                    match words.get(*at).copied() {
                        Some(",") => *at += 1,
                        Some("}") => {
                            *at += 1;
                            break;
                        }
                        _ => break,
                    }
                    if words.get(*at) == Some(&"}") {
                        *at += 1;
                        break;
                    }
                }
                return;
            }
            Some("*") => {
                *at += 1;
                out.push(prefix);
                return;
            }
            Some(word) if is_ident(word) => {
                prefix.push(word.to_owned());
                *at += 1;
                match words.get(*at).copied() {
                    Some("::") => *at += 1,
                    Some("as") => {
                        *at += 2;
                        out.push(prefix);
                        return;
                    }
                    _ => {
                        out.push(prefix);
                        return;
                    }
                }
            }
            _ => {
                if !prefix.is_empty() {
                    out.push(prefix);
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(source: &str) -> Vec<String> {
        scan(&blank(source), &vec!["m".to_owned()]).paths.into_iter().map(|(_, p, _)| p.join("::")).collect()
    }

    #[test]
    fn use_trees_expand_to_each_path() {
        let found = paths("use crate::a::{b, c::{d, e as f}, g::*};\nuse super::h;");
        assert_eq!(found, ["crate::a::b", "crate::a::c::d", "crate::a::c::e", "crate::a::g", "super::h"]);
    }

    #[test]
    fn comments_strings_and_macro_roots_are_not_read() {
        let found = paths(
            "// crate::x::y\n/* super::z */ let s = \"crate::q\"; let r = r#\"self::w\"#;\n$crate::m::n; let c = ':'; crate::real::path(); fn f<'a>(x: &'a str) {}",
        );
        assert_eq!(found, ["crate::real::path"]);
    }

    #[test]
    fn inline_modules_shift_super() {
        let scanned = scan(&blank("mod tests { use super::thing; }"), &vec!["a".to_owned()]);
        assert_eq!(scanned.paths[0].0, ["a", "tests"]);
        assert_eq!(scanned.modules, vec![vec!["a".to_owned()], vec!["a".to_owned(), "tests".to_owned()]]);
    }
}
