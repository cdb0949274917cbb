//! The modules of `auth/src` depend only on modules below them, in the order of the layers
//! table at the top of `src/lib.rs`. This reads the sources and fails on any import that
//! points up, so a cycle between modules cannot come back unnoticed.

use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules, lowest first: the rows of the layers table, in order.
const LAYERS: &[&str] = &[
    "json",
    "claims",
    "keys",
    "jwks",
    "token",
    "store",
    "error",
    "password",
    "transport",
    "authenticator",
    "extract",
    "layer",
    "policy",
    "routing",
    "endpoints",
    "testing",
    "openapi",
    "manual",
];

/// Items the crate root re-exports, and the module that defines each.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Authenticator", "authenticator"),
    ("AuthenticatorBuilder", "authenticator"),
    ("RoleEnum", "claims"),
    ("Roles", "claims"),
    ("TokenClaims", "claims"),
    ("Auth", "extract"),
    ("Authenticated", "extract"),
    ("RequireAllRoles", "extract"),
    ("RequireFresh", "extract"),
    ("RequireRole", "extract"),
    ("Public", "extract"),
    ("Authorize", "policy"),
    ("Policy", "policy"),
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|name| *name == module)
}

/// The module a path after `crate::` names: its first segment, or a root re-export.
fn module_of(segment: &str) -> Option<&'static str> {
    if let Some(index) = rank(segment) {
        return Some(LAYERS[index]);
    }
    ROOT_ITEMS
        .iter()
        .find(|(item, _)| *item == segment)
        .map(|(_, module)| *module)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The first path segments after each `crate::` in code (comments and doc comments are
/// skipped: a doc link may point anywhere), including those of `crate::{a, b::c}` groups.
fn referenced_modules(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // Top-level names of a group: split at commas outside nested braces.
                let mut depth = 0;
                let mut name = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.push(first_segment(&name));
                            name.clear();
                            continue;
                        }
                        _ => {}
                    }
                    name.push(c);
                }
                found.push(first_segment(&name));
            } else {
                found.push(first_segment(rest));
            }
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn imports_point_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let owner = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|name| name.trim_end_matches(".rs"))
            .unwrap();
        // The crate root wires the layers together; it may name them all.
        let Some(owner_rank) = rank(owner) else {
            assert_eq!(
                owner,
                "lib",
                "{} is not in the layers table",
                relative.display()
            );
            continue;
        };
        let source = fs::read_to_string(file).unwrap();
        for name in referenced_modules(&source) {
            let Some(target) = module_of(&name) else {
                continue;
            };
            let target_rank = rank(target).unwrap();
            if target_rank > owner_rank {
                upward.push(format!(
                    "{} uses crate::{name} ({target})",
                    relative.display()
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn every_module_is_in_the_layers_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines() {
        let declared = line
            .trim()
            .strip_prefix("pub mod ")
            .or_else(|| line.trim().strip_prefix("mod "))
            .and_then(|rest| rest.strip_suffix(';'));
        // `macro_crate`: the macro crate's shared values, compiled into the unit tests only.
        if let Some(module) = declared.filter(|module| *module != "macro_crate") {
            assert!(
                rank(module).is_some(),
                "module `{module}` is missing from LAYERS"
            );
        }
    }
}

#[test]
fn the_reader_sees_groups_and_skips_comments() {
    let source = "use crate::{error::AuthError, keys::{KeySet, Kid}, Roles};\n\
                  // crate::endpoints in a comment\n\
                  /// [`x`](crate::layer)\n\
                  let a = crate::token::verify(x);";
    assert_eq!(
        referenced_modules(source),
        ["error", "keys", "Roles", "token"]
    );
}
