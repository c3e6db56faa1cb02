//! A bounded, deterministic fuzz-style test of the assembly loader and of
//! diff over whatever loads: the fixture assemblies are mutated (byte flips,
//! cuts, inserted tokens such as `..`, YAML anchors and deep nesting) by a
//! fixed-seed generator. No input may panic, and every error must name a
//! file. Runs on stable in CI; `fuzz/` holds the cargo-fuzz target.

use crate::diff_support;

use std::fs;
use std::path::Path;

use meshsynth::assembly::{parse_assembly_files, LoadLimits};
use meshsynth::diff::render::{json, markdown, text};
use meshsynth::diff::{plan, Snapshot, StackFilter};

const ITERATIONS: usize = 3000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "..",
    "../",
    "/",
    "\\",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "---\n",
    "- ",
    ": ",
    "!Ref ",
    "!GetAtt a.b",
    "!Sub ",
    "&a ",
    "*a ",
    "\0",
    "\"version\": \"2\", ",
    "null",
    "1e999",
    "-1",
    "\u{feff}",
    "{\"Fn::Sub\": \"{\\\"Statement\\\": 1}\"}",
    "\"Statement\"",
    "\"Resources\"",
    "\"/etc/passwd\"",
    "\"C:\\\\x\"",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n",
    "? [a]\n: b\n",
    "!!binary aGVsbG8=",
    "~",
    "\u{1F600}",
    "\r\n",
];

fn read_dir_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn mutate(rng: &mut Rng, files: &mut [(String, Vec<u8>)]) {
    // The manifest is the most interesting file: a third of the mutations.
    let i = if rng.below(3) == 0 {
        files
            .iter()
            .position(|(n, _)| n == "manifest.json")
            .unwrap()
    } else {
        rng.below(files.len())
    };
    let bytes = &mut files[i].1;
    let at = rng.below(bytes.len() + 1);
    match rng.below(7) {
        0 if !bytes.is_empty() => {
            let j = rng.below(bytes.len());
            bytes[j] ^= 1 << rng.below(8);
        }
        1 => bytes.truncate(at),
        2 | 3 => {
            let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
            bytes.splice(at..at, t.iter().copied());
        }
        4 => {
            let end = (at + rng.below(64)).min(bytes.len());
            bytes.drain(at..end);
        }
        5 => {
            let end = (at + rng.below(256)).min(bytes.len());
            let copy: Vec<u8> = bytes[at..end].to_vec();
            bytes.splice(at..at, copy);
        }
        _ => {
            // Deep nesting, past the parsers' recursion limits.
            let open = if rng.below(2) == 0 { b"[" } else { b"{" };
            let n = 50 + rng.below(300);
            bytes.splice(at..at, std::iter::repeat_n(open[0], n));
        }
    }
}

/// `a` with every resource's type changed: against it every resource is
/// replaced, so the plan carries each replacement to its readers and
/// checks every export, on whatever the mutation left.
fn retyped(a: &meshsynth::assembly::LoadedAssembly) -> meshsynth::assembly::LoadedAssembly {
    let mut old = a.clone();
    for t in old.templates.values_mut() {
        let resources = t.get_mut("Resources").and_then(|r| r.as_object_mut());
        for r in resources.into_iter().flat_map(|m| m.values_mut()) {
            if let Some(serde_json::Value::String(ty)) = r.get_mut("Type") {
                ty.push_str("Old");
            }
        }
    }
    old
}

fn exercise(files: &[(String, Vec<u8>)], other: &Snapshot) -> Result<(), String> {
    let limits = LoadLimits {
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
    };
    match parse_assembly_files(files, &limits) {
        Ok(a) => {
            let itself = Snapshot::from_assembly("itself".into(), a.clone());
            let retyped = Snapshot::from_assembly("retyped".into(), retyped(&a));
            for before in [other, &itself, &retyped] {
                let p = plan(before, &a, &StackFilter::default()).unwrap();
                text(&p, true);
                markdown(&p).unwrap();
                json(&p);
            }
            Ok(())
        }
        Err(e) => {
            assert!(!e.path().is_empty(), "error without a file: {e}");
            assert!(e.to_string().contains(e.path()), "{e}");
            Err(e.to_string())
        }
    }
}

#[test]
fn mutated_assemblies_never_panic() {
    let t = tempfile::tempdir().unwrap();
    let (base, head) = diff_support::write_pair(t.path());
    let seeds = [read_dir_files(&base), read_dir_files(&head)];
    let other = Snapshot::from_assembly(
        "base".into(),
        parse_assembly_files(&seeds[0], &LoadLimits::default()).unwrap(),
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut err) = (0, 0);
    for _ in 0..ITERATIONS {
        let mut files = seeds[rng.below(2)].clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut files);
        }
        match exercise(&files, &other) {
            Ok(()) => ok += 1,
            Err(_) => err += 1,
        }
    }
    // Both paths must have been exercised for the test to mean anything.
    assert!(ok > 100 && err > 100, "ok {ok}, err {err}");
}

#[test]
fn yaml_alias_bombs_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let (base, _) = diff_support::write_pair(t.path());
    let mut files = read_dir_files(&base);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (i, prev) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        let name = (b'b' + i as u8) as char;
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let k8s = files
        .iter_mut()
        .find(|(n, _)| n.ends_with("app-data.yaml"))
        .unwrap();
    k8s.1 = bomb.into_bytes();
    let err = parse_assembly_files(&files, &LoadLimits::default()).unwrap_err();
    assert_eq!(err.path(), "k8s/main/app-data.yaml");
}

/// `diff` of two saved assemblies loads them as a pair (shared documents
/// dropped, shared templates not parsed); whatever the mutation, its plan
/// is the plan of two plain loads, and it fails where they fail.
#[test]
fn a_paired_diff_plans_what_two_plain_loads_plan() {
    use meshsynth::assembly::{load_assembly, load_assembly_pair};
    let t = tempfile::tempdir().unwrap();
    let (base, head) = diff_support::write_pair(t.path());
    let seed = read_dir_files(&head);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let (mut ok, mut err) = (0, 0);
    for i in 0..300 {
        let mut files = seed.clone();
        // One in five left as is: the pairing itself, without damage.
        if i % 5 != 0 {
            for _ in 0..1 + rng.below(2) {
                mutate(&mut rng, &mut files);
            }
        }
        let dir = t.path().join(format!("m{i}"));
        for (rel, bytes) in &files {
            let p = dir.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        let plain = (load_assembly(&dir), load_assembly(&base));
        let paired = load_assembly_pair(&dir, &base);
        let mut out = Vec::new();
        let mut stderr = Vec::new();
        let code = meshsynth::cli::run_with_args(
            [
                "meshsynth",
                "diff",
                "--assembly",
                dir.to_str().unwrap(),
                "--against",
                base.to_str().unwrap(),
                "--format",
                "json",
            ],
            &no_app,
            &mut out,
            &mut stderr,
        );
        match plain {
            (Ok(after), Ok(before)) => {
                let (pa, pb) = paired.unwrap();
                assert_eq!(pa.templates, after.templates);
                assert_eq!(pb.templates, before.templates);
                let snapshot =
                    Snapshot::from_assembly(format!("assembly {}", base.display()), before);
                let p = plan(&snapshot, &after, &StackFilter::default()).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    json(&p),
                    "{}",
                    String::from_utf8_lossy(&stderr)
                );
                ok += 1;
            }
            (Err(e), _) => {
                assert_eq!(paired.unwrap_err(), e);
                assert_ne!(code, 0);
                err += 1;
            }
            (Ok(_), Err(e)) => panic!("the unmutated base failed to load: {e}"),
        }
    }
    assert!(ok > 50 && err > 50, "ok {ok}, err {err}");
}

fn no_app(_: &mut meshsynth::core::App) -> Result<(), meshsynth::core::Error> {
    Ok(())
}
