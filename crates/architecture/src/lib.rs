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

mod lexer;

pub use lexer::blank;
use lexer::scan;
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
    for (_, text) in &files {
        krate.modules.extend(text.modules.iter().cloned());
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
