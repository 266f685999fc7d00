//! The module graph of a crate, read from its sources, and the import cycles between sibling
//! modules in it.
//!
//! Two modules with the same parent that use each other (directly, or around a longer loop of
//! siblings) are one concept split in two, or two concepts tangled: neither can be read, tested or
//! moved without the other. The compiler allows it; this check does not (`tests/no_cycles.rs`).
//!
//! It reads Rust text without a parser: comments and literals are blanked, then every `use` tree
//! and every path that starts with `crate::`, `super::` or `self::` (or a child module's name, in
//! `use`) is resolved against the crate's module tree (its `mod` declarations, files and inline
//! blocks). A reference from module `M` to module `R` whose common ancestor is `P` is an edge
//! between the two children of `P` on the way to each. A reference into a parent (its helpers) or
//! into a child is no sibling edge.

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module's path below its crate root (`["pages", "admin"]`); the root is empty.
pub type ModPath = Vec<String>;

/// Where a reference was written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    pub file: PathBuf,
    pub line: usize,
}

/// One crate's modules and the references between them.
#[derive(Debug, Default)]
pub struct Crate {
    pub modules: BTreeSet<ModPath>,
    /// (from, to, where), `to` resolved to the deepest module it names.
    pub references: Vec<(ModPath, ModPath, Site)>,
}

/// A cycle among the children of `parent`, with one reference for each step.
#[derive(Debug)]
pub struct Cycle {
    pub parent: ModPath,
    pub members: Vec<String>,
    pub evidence: Vec<(String, String, Site)>,
}

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parent = if self.parent.is_empty() { "crate".to_owned() } else { self.parent.join("::") };
        writeln!(f, "in `{parent}`: {}", self.members.join(" <-> "))?;
        for (from, to, site) in &self.evidence {
            writeln!(f, "    {from} -> {to} at {}:{}", site.file.display(), site.line)?;
        }
        Ok(())
    }
}

/// Reads the crate whose root file (`lib.rs` or `main.rs`) is `root`.
pub fn read_crate(root: &Path) -> std::io::Result<Crate> {
    let mut files = Vec::new();
    let dir = root.parent().unwrap_or(Path::new(".")).to_path_buf();
    collect(root, &dir, Vec::new(), &mut files)?;
    let mut krate = Crate::default();
    for (path, text) in &files {
        for module in &text.modules {
            krate.modules.insert(module.clone());
        }
        let _ = path;
    }
    for (path, text) in &files {
        for (from, raw, line) in &text.paths {
            if let Some(to) = resolve(&krate.modules, from, raw) {
                krate.references.push((from.clone(), to, Site { file: path.clone(), line: *line }));
            }
        }
    }
    Ok(krate)
}

/// What one file holds: the modules it declares (itself included) and the paths it writes.
struct FileText {
    modules: Vec<ModPath>,
    /// (the module the path is written in, the path's segments, line).
    paths: Vec<(ModPath, Vec<String>, usize)>,
}

/// Reads `file` (the module `module`) and, through its `mod x;` declarations, the files below it.
/// `dir` is where its child modules' files are.
fn collect(file: &Path, dir: &Path, module: ModPath, out: &mut Vec<(PathBuf, FileText)>) -> std::io::Result<()> {
    let source = fs::read_to_string(file)?;
    let text = blank(&source);
    let parsed = scan(&text, &module);
    for child in &parsed.external_children {
        let mut child_module = module.clone();
        child_module.extend(child.iter().cloned());
        let name = child.last().cloned().unwrap_or_default();
        // Inline parents (`mod a { mod b; }`) put their children in a folder of that name.
        let mut base = dir.to_path_buf();
        for part in &child[..child.len() - 1] {
            base.push(part);
        }
        let flat = base.join(format!("{name}.rs"));
        let nested = base.join(&name).join("mod.rs");
        let (child_file, child_dir) = if flat.exists() { (flat, base.join(&name)) } else { (nested, base.join(&name)) };
        collect(&child_file, &child_dir, child_module, out)?;
    }
    out.push((file.to_path_buf(), FileText { modules: parsed.modules, paths: parsed.paths }));
    Ok(())
}

struct Scanned {
    modules: Vec<ModPath>,
    /// `mod x;` declarations, relative to the file's module (inline parents included).
    external_children: Vec<Vec<String>>,
    paths: Vec<(ModPath, Vec<String>, usize)>,
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
fn scan(text: &str, module: &ModPath) -> Scanned {
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

/// The module a path written in `from` names (its deepest module prefix), or `None` for a path
/// outside the crate.
fn resolve(modules: &BTreeSet<ModPath>, from: &ModPath, raw: &[String]) -> Option<ModPath> {
    let (mut base, rest): (ModPath, &[String]) = match raw.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &raw[1..]),
        Some("self") => (from.clone(), &raw[1..]),
        Some("super") => {
            let ups = raw.iter().take_while(|s| *s == "super").count();
            let base = from[..from.len().checked_sub(ups)?].to_vec();
            (base, &raw[ups..])
        }
        // A `use` of a child module by its bare name (uniform paths).
        Some(first) => {
            let mut child = from.clone();
            child.push(first.to_owned());
            if !modules.contains(&child) {
                return None;
            }
            (from.clone(), raw)
        }
        None => return None,
    };
    for segment in rest {
        let mut next = base.clone();
        next.push(segment.clone());
        if !modules.contains(&next) {
            break;
        }
        base = next;
    }
    Some(base)
}

/// The sibling edges of a crate: parent -> (from child -> to child -> one site).
fn sibling_edges(krate: &Crate) -> BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, Site>>> {
    let mut edges: BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, Site>>> = BTreeMap::new();
    for (from, to, site) in &krate.references {
        let common = from.iter().zip(to.iter()).take_while(|(a, b)| a == b).count();
        if common < from.len() && common < to.len() {
            edges
                .entry(from[..common].to_vec())
                .or_default()
                .entry(from[common].clone())
                .or_default()
                .entry(to[common].clone())
                .or_insert_with(|| site.clone());
        }
    }
    edges
}

/// Every cycle among sibling modules (each strongly connected set of two or more siblings).
pub fn sibling_cycles(krate: &Crate) -> Vec<Cycle> {
    let mut cycles = Vec::new();
    for (parent, graph) in sibling_edges(krate) {
        for component in strongly_connected(&graph) {
            if component.len() < 2 {
                continue;
            }
            let members: BTreeSet<&String> = component.iter().collect();
            let mut evidence = Vec::new();
            for from in &component {
                for (to, site) in graph.get(from).into_iter().flatten() {
                    if members.contains(to) {
                        evidence.push((from.clone(), to.clone(), site.clone()));
                    }
                }
            }
            cycles.push(Cycle { parent: parent.clone(), members: component, evidence });
        }
    }
    cycles
}

/// Tarjan's strongly connected components of a small graph.
fn strongly_connected(graph: &BTreeMap<String, BTreeMap<String, Site>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeMap<String, Site>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on_stack: BTreeSet<String>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit(s: &mut State<'_>, v: &str) {
        s.index.insert(v.to_owned(), s.next);
        s.low.insert(v.to_owned(), s.next);
        s.next += 1;
        s.stack.push(v.to_owned());
        s.on_stack.insert(v.to_owned());
        let targets: Vec<String> = s.graph.get(v).map(|m| m.keys().cloned().collect()).unwrap_or_default();
        for w in targets {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let low = s.low[v].min(s.low[&w]);
                s.low.insert(v.to_owned(), low);
            } else if s.on_stack.contains(&w) {
                let low = s.low[v].min(s.index[&w]);
                s.low.insert(v.to_owned(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            component.sort();
            s.out.push(component);
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    let nodes: Vec<String> = graph.keys().cloned().collect();
    for v in nodes {
        if !s.index.contains_key(&v) {
            visit(&mut s, &v);
        }
    }
    s.out
}

/// Does module `from` refer to module `to` (or anything inside it)? With the first site.
pub fn refers_to(krate: &Crate, from: &[&str], to: &[&str]) -> Option<Site> {
    let within =
        |path: &ModPath, prefix: &[&str]| path.len() >= prefix.len() && path.iter().zip(prefix).all(|(a, b)| a == b);
    krate.references.iter().find(|(f, t, _)| within(f, from) && within(t, to)).map(|(_, _, site)| site.clone())
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

    #[test]
    fn siblings_that_use_each_other_are_a_cycle() {
        let m = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<ModPath>();
        let site = Site { file: "x.rs".into(), line: 1 };
        let modules = [m(&[]), m(&["a"]), m(&["a", "x"]), m(&["b"]), m(&["c"])].into_iter().collect();
        let krate = Crate {
            modules,
            references: vec![
                (m(&["a", "x"]), m(&["b"]), site.clone()),
                (m(&["b"]), m(&["a"]), site.clone()),
                (m(&["c"]), m(&["a"]), site.clone()),
                (m(&["a", "x"]), m(&["a"]), site.clone()),
            ],
        };
        let cycles = sibling_cycles(&krate);
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].members, ["a", "b"]);
        assert!(cycles[0].parent.is_empty());
        assert!(refers_to(&krate, &["c"], &["a"]).is_some());
        assert!(refers_to(&krate, &["a"], &["c"]).is_none());
    }

    #[test]
    fn paths_resolve_to_the_deepest_module() {
        let m = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<ModPath>();
        let modules: BTreeSet<ModPath> = [m(&[]), m(&["a"]), m(&["a", "b"]), m(&["c"])].into_iter().collect();
        let raw = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(resolve(&modules, &m(&["c"]), &raw("crate::a::b::Item")), Some(m(&["a", "b"])));
        assert_eq!(resolve(&modules, &m(&["a", "b"]), &raw("super::super::c::f")), Some(m(&["c"])));
        assert_eq!(resolve(&modules, &m(&["a"]), &raw("b::Thing")), Some(m(&["a", "b"])));
        assert_eq!(resolve(&modules, &m(&["a"]), &raw("serde::Deserialize")), None);
    }
}
