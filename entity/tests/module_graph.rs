//! The modules of `entity` depend on each other one way: this test reads
//! every `crate::` and `super::` path in `entity/src`, resolves it to the file
//! that defines it, and fails on any import cycle, naming the files and the
//! paths that tie them. Run it alone with
//! `cargo test -p entity --test module_graph`.
//!
//! It also holds three rules of the layout: the tables (`src/tables/`) import
//! no rules, `error.rs` imports nothing but modules that import nothing, and
//! no domain module uses the process plumbing of `src/runtime/`.

#![allow(clippy::unwrap_used)] // a test: a broken source tree should fail it loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module: its path below the crate root (`["to_door_line", "quote"]`).
type Module = Vec<String>;

struct Crate {
    /// Every module, with its file.
    files: BTreeMap<Module, PathBuf>,
    /// `pub use` re-exports of the crate root: name → module path.
    root_exports: BTreeMap<String, Module>,
    /// Modules re-exported at the root with a glob (`pub use tables::*`).
    root_globs: Vec<Module>,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn collect(dir: &Path, prefix: &Module, out: &mut BTreeMap<Module, PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut m = prefix.clone();
            m.push(name);
            collect(&path, &m, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut m = prefix.clone();
            if name != "mod" && name != "lib" {
                m.push(name);
            }
            out.insert(m, path);
        }
    }
}

/// The source without comments (doc comments may name old paths) and
/// without its unit tests (`#[cfg(test)]` closes a file by convention).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands a use tree (`a::{b, c::{d as e}}`) into its paths, aliases dropped.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let tree = tree.replace(" as ", "@").replace(' ', "");
    expand_flat(&tree)
}

fn expand_flat(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        let path = tree.split('@').next().unwrap_or(tree);
        return vec![path.trim_end_matches("::self").to_owned()];
    };
    let base = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            if p == "self" || p.starts_with("self@") {
                vec![base.trim_end_matches("::").to_owned()]
            } else {
                expand_flat(&format!("{base}{p}"))
            }
        })
        .collect()
}

/// The paths a file names: its use statements, expanded, and inline paths.
fn paths_in(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        let tree = &rest[..end];
        if tree.starts_with("crate::") || tree.starts_with("super::") {
            out.extend(expand(tree));
        }
    }
    let bytes = code.as_bytes();
    for prefix in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(prefix) {
            let at = from + i;
            from = at + prefix.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            out.push(code[at..end].trim_end_matches(':').to_owned());
        }
    }
    out
}

impl Crate {
    fn read() -> Crate {
        let mut files = BTreeMap::new();
        collect(&src(), &Vec::new(), &mut files);
        let lib = code_of(&src().join("lib.rs"));
        let mut root_exports = BTreeMap::new();
        let mut root_globs = Vec::new();
        for line in lib.lines().filter(|l| l.starts_with("pub use ")) {
            let path = line["pub use ".len()..].trim_end_matches(';');
            let segs: Module = path.split("::").map(str::to_owned).collect();
            if segs.last().is_some_and(|s| s == "*") {
                root_globs.push(segs[..segs.len() - 1].to_vec());
            } else if let Some((name, module)) = segs.split_last() {
                root_exports.insert(name.clone(), module.to_vec());
            }
        }
        Crate {
            files,
            root_exports,
            root_globs,
        }
    }

    /// The module that defines what `path` names, seen from `from`.
    fn resolve(&self, from: &Module, path: &str) -> Option<Module> {
        let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let mut base: Module = match segs.first() {
            Some(&"crate") => Vec::new(),
            Some(&"super") => {
                // In `x/mod.rs` and `x.rs` alike, `super` is the parent of `x`.
                let mut m = from.clone();
                m.pop();
                m
            }
            _ => return None,
        };
        segs.remove(0);
        while segs.first() == Some(&"super") {
            base.pop();
            segs.remove(0);
        }
        // Short names at the root: re-exports and globs.
        if base.is_empty()
            && let Some(first) = segs.first()
            && !self.files.contains_key(&vec![first.to_string()])
        {
            if let Some(m) = self.root_exports.get(*first) {
                return Some(m.clone());
            }
            for g in &self.root_globs {
                let mut m = g.clone();
                m.push(first.to_string());
                if self.files.contains_key(&m) {
                    base = g.clone();
                }
            }
        }
        let mut best = base.clone();
        let mut m = base;
        for s in segs {
            m.push(s.to_owned());
            if self.files.contains_key(&m) {
                best = m.clone();
            } else {
                break;
            }
        }
        Some(best)
    }

    /// Edges between files, each with the paths that make it.
    fn edges(&self) -> BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>> {
        let mut out: BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>> = BTreeMap::new();
        for (module, file) in &self.files {
            let entry = out.entry(module.clone()).or_default();
            for path in paths_in(&code_of(file)) {
                let Some(to) = self.resolve(module, &path) else {
                    continue;
                };
                // A module's own items, its parents' declarations and the
                // crate root are not dependencies.
                if &to == module || module.starts_with(&to) {
                    continue;
                }
                entry.entry(to).or_default().insert(path);
            }
        }
        out
    }
}

/// Strongly connected groups of more than one module (Tarjan).
fn cycles(edges: &BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flat_map(|e| e.keys()) {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("::")
    }
}

#[test]
fn no_module_imports_itself_in_a_circle() {
    let krate = Crate::read();
    let edges = krate.edges();
    let found = cycles(&edges);
    let mut report = String::new();
    for group in &found {
        report.push_str("cycle:\n");
        for from in group {
            for (to, paths) in &edges[from] {
                if group.contains(to) {
                    report.push_str(&format!(
                        "  {} -> {}: {}\n",
                        name(from),
                        name(to),
                        paths.iter().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "module cycles in entity:\n{report}");
}

#[test]
fn tables_import_no_rules() {
    let krate = Crate::read();
    for (from, to) in krate.edges() {
        if from.first().is_some_and(|s| s == "tables") {
            for (m, paths) in to {
                assert!(
                    m.first().is_some_and(|s| s == "tables"),
                    "{} imports {} ({paths:?}): tables hold columns, rules hold rules",
                    name(&from),
                    name(&m)
                );
            }
        }
    }
}

#[test]
fn errors_are_a_leaf() {
    let krate = Crate::read();
    let edges = krate.edges();
    let error = vec!["error".to_owned()];
    for (m, paths) in &edges[&error] {
        let deps: Vec<_> = edges[m]
            .keys()
            .filter(|d| d.first() != Some(&"tables".to_owned()))
            .collect();
        assert!(
            deps.is_empty(),
            "error.rs imports {} ({paths:?}), which imports {deps:?}: errors must not depend on operations",
            name(m)
        );
    }
}

#[test]
fn the_domain_does_not_use_the_runtime() {
    let krate = Crate::read();
    for (from, to) in krate.edges() {
        if from.first().is_some_and(|s| s == "runtime") {
            continue;
        }
        for (m, paths) in to {
            assert!(
                m.first().is_none_or(|s| s != "runtime"),
                "{} imports {} ({paths:?}): the domain takes time and connections from its caller",
                name(&from),
                name(&m)
            );
        }
    }
}

#[test]
fn the_reader_sees_the_edges_it_must() {
    // A guard against a reader that sees nothing and so finds no cycle.
    let krate = Crate::read();
    let edges = krate.edges();
    let quote = vec!["to_door_line".to_owned(), "quote".to_owned()];
    let fee_rules = vec!["to_door_line".to_owned(), "fee_rules".to_owned()];
    let order = vec!["tables".to_owned(), "order".to_owned()];
    assert!(
        edges[&quote].contains_key(&fee_rules),
        "{:?}",
        edges[&quote]
    );
    let transitions = vec!["to_door_line".to_owned(), "transitions".to_owned()];
    assert!(
        edges[&transitions].contains_key(&order),
        "{:?}",
        edges[&transitions]
    );
    assert!(krate.files.len() > 100, "{} modules", krate.files.len());
}
