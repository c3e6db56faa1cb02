//! An app in parts ([`App::add_part`]): each part built, synthesized and
//! freed in turn into one sink, the manifests joined in part order. What
//! one tree would check across parts is checked here: stack names and the
//! assembly's file paths.

use std::collections::{BTreeMap, HashMap};

use super::{select, synth_into, SynthOptions, Synthesis};
use crate::assembly::{Assembly, FileSink, Manifest, MANIFEST_VERSION};
use crate::core::diag::Diagnostic;
use crate::core::tree::{App, NodeKind};
use crate::core::Error;

/// Hands files on to `inner`, refusing a path a part before wrote.
struct Guard<'s> {
    inner: &'s mut dyn FileSink,
    /// Path → the part that wrote it.
    seen: HashMap<String, String>,
    part: String,
    /// The first path two parts wrote.
    clash: Option<(String, String)>,
}

impl FileSink for Guard<'_> {
    fn put(&mut self, path: String, bytes: Vec<u8>) {
        match self.seen.get(&path) {
            Some(other) => {
                if self.clash.is_none() {
                    self.clash = Some((path, other.clone()));
                }
            }
            None => {
                self.seen.insert(path.clone(), self.part.clone());
                self.inner.put(path, bytes);
            }
        }
    }
}

/// What the parts synthesized so far add up to.
struct Joined {
    manifest: Manifest,
    diags: Vec<Diagnostic>,
    notes: Vec<String>,
    failed: bool,
    /// Stack name → (construct path, part), across parts.
    stack_names: HashMap<String, (String, String)>,
}

impl Joined {
    /// Adds part `name`'s synthesis; `clash` is a file an earlier part
    /// wrote too. Returns the part's tree, for the caller to free before
    /// the next part is built: what parts are for (freeing it on another
    /// thread was measured: no faster).
    fn add(
        &mut self,
        name: &str,
        synthesis: Synthesis,
        clash: Option<(String, String)>,
    ) -> Result<App, Error> {
        let Synthesis {
            assembly,
            diagnostics,
            notes,
            app,
        } = synthesis;
        let mut renamed = false;
        for s in &assembly.manifest.stacks {
            let at = (s.path.clone(), name.to_string());
            if let Some((other, other_part)) = self.stack_names.insert(s.name.clone(), at) {
                self.failed = true;
                renamed = true;
                self.diags.push(
                    Diagnostic::error(
                        s.path.clone(),
                        format!(
                            "stack name {:?} of part {name:?} is also used by {other} of part {other_part:?}",
                            s.name
                        ),
                    )
                    .with_hint("parts share one assembly: give each stack a unique stack_name, e.g. with the part's name (`app.part()`) in it"),
                );
            }
        }
        // A stack name two parts use also clashes as a file: said once, above.
        if let Some((path, other)) = clash.filter(|_| !renamed) {
            return Err(Error::construct(
                "app",
                format!("parts {other:?} and {name:?} both write {path} to the assembly"),
                "parts share one assembly: give each part's stacks and clusters (`ChartProps::new(cluster)`) their own names, e.g. with the part's name (`app.part()`) in them",
            ));
        }
        self.manifest.stacks.extend(assembly.manifest.stacks);
        self.manifest.clusters.extend(assembly.manifest.clusters);
        self.diags.extend(diagnostics);
        self.notes.extend(notes);
        Ok(app)
    }

    /// The one synthesis of every part, or every diagnostic when one
    /// failed.
    fn finish(mut self, app: App) -> Result<Synthesis, Error> {
        super::order_diagnostics(&mut self.diags);
        if self.failed {
            return Err(Error::Diagnostics(self.diags));
        }
        Ok(Synthesis {
            assembly: Assembly {
                manifest: self.manifest,
                files: Vec::new(),
            },
            diagnostics: self.diags,
            notes: self.notes,
            app,
        })
    }
}

/// Synthesizes an app with parts: `prepare` runs on each part once it is
/// built (the CLI registers the mesh checks there). The returned
/// synthesis holds the app itself; each part's tree is freed before the
/// next part is built, and the last part's with the returned app. An app
/// without parts is synthesized as [`synth_into`] does.
pub fn synth_parts_into(
    mut app: App,
    opts: &SynthOptions,
    sink: &mut dyn FileSink,
    prepare: &mut dyn FnMut(&mut App),
) -> Result<Synthesis, Error> {
    let parts = app.take_parts();
    if parts.is_empty() {
        prepare(&mut app);
        return synth_into(app, opts, sink);
    }
    if let Some(what) = app.outside_parts() {
        return Err(Error::construct(
            "app",
            format!("the app has parts, but {what}"),
            "an app with parts holds every construct in them: add it inside a part's build function",
        ));
    }
    let mut guard = Guard {
        inner: sink,
        seen: HashMap::new(),
        part: String::new(),
        clash: None,
    };
    let mut joined = Joined {
        manifest: Manifest {
            version: MANIFEST_VERSION.into(),
            stacks: Vec::new(),
            clusters: Vec::new(),
            app: app.name().map(str::to_string),
        },
        diags: std::mem::take(&mut app.diagnostics),
        notes: app.deprecations.clone(),
        failed: false,
        stack_names: HashMap::new(),
    };
    // Pattern → whether a part's stack or top-level chart matched it, and
    // every name seen, for the error when one matched nothing.
    let mut hits: BTreeMap<&str, bool> =
        opts.patterns.iter().map(|p| (p.as_str(), false)).collect();
    let mut names_seen: Vec<String> = Vec::new();
    // The tree of the part synthesized last, freed before the next is built.
    let mut last: Option<App> = None;
    for part in parts {
        drop(last.take());
        let mut built = app.new_part(&part.name);
        let result = (part.build)(&mut built);
        app.context().absorb_reads(built.context());
        if let Err(e) = result {
            // Diagnostics reported before the failure are still worth reading.
            joined.diags.append(&mut built.diagnostics);
            return Err(with_diagnostics(e, joined.diags));
        }
        prepare(&mut built);
        let mut part_opts = opts.clone();
        if !opts.patterns.is_empty() {
            let names = selectable_names(&built);
            part_opts.patterns = matched_patterns(&opts.patterns, &names, &mut hits)?;
            names_seen.extend(names);
            if part_opts.patterns.is_empty() {
                // Nothing of this part is selected: it is not synthesized.
                continue;
            }
        }
        guard.part = part.name.clone();
        guard.clash = None;
        match synth_into(built, &part_opts, &mut guard) {
            Ok(s) => last = Some(joined.add(&part.name, s, guard.clash.take())?),
            Err(Error::Diagnostics(mut d)) => {
                joined.failed = true;
                joined.diags.append(&mut d);
            }
            Err(e) => return Err(e),
        }
    }
    if let Some((p, _)) = hits.iter().find(|(_, hit)| !**hit) {
        return Err(select::no_match(p, &names_seen));
    }
    // The last tree goes with the app: a caller about to exit need not free
    // it (10-30 ms at 10k resources, docs/performance.md).
    app.last_part = last.map(Box::new);
    joined.finish(app)
}

/// A build error, with the diagnostics reported before it when it is a
/// list of them.
fn with_diagnostics(e: Error, mut before: Vec<Diagnostic>) -> Error {
    match e {
        Error::Diagnostics(mut d) => {
            before.append(&mut d);
            Error::Diagnostics(before)
        }
        e => e,
    }
}

/// The names a stack pattern is matched against: the part's stack names
/// and the ids of its charts outside stacks.
fn selectable_names(app: &App) -> Vec<String> {
    let mut names = Vec::new();
    for i in 0..app.nodes.len() as u32 {
        let n = app.node(i);
        match &n.kind {
            NodeKind::Stack(s) => names.push(s.name.clone()),
            NodeKind::Chart(_) if n.stack.is_none() => names.push(n.id().to_string()),
            _ => {}
        }
    }
    names
}

/// The patterns that match one of `names`, each marked in `hits`.
fn matched_patterns<'p>(
    patterns: &'p [String],
    names: &[String],
    hits: &mut BTreeMap<&'p str, bool>,
) -> Result<Vec<String>, Error> {
    let mut matched = Vec::new();
    for p in patterns {
        let m = select::matcher(p)?;
        if names.iter().any(|n| m.is_match(n)) {
            hits.insert(p.as_str(), true);
            matched.push(p.clone());
        }
    }
    Ok(matched)
}
