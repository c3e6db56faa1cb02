//! Terminal rendering of a plan: warnings first, then the security section,
//! then each stack and cluster. Colour is ANSI SGR, only when asked for (the
//! CLI asks when stdout is a terminal and `NO_COLOR` is unset).

use super::{
    action_word, category_word, change_line, cluster_counts, direction_word, fate_note, location,
    object_word, op_word, stack_counts, status_word, summary_lines,
};
use crate::diff::{Direction, ObjectAction, Plan, ResourceAction, Status};

/// Values longer than this are cut in text output.
const VALUE_CHARS: usize = 120;

#[derive(Clone, Copy)]
enum Paint {
    Green,
    Red,
    Yellow,
    Magenta,
    Bold,
    Dim,
}

struct Out {
    color: bool,
    buf: String,
}

impl Out {
    fn paint(&self, p: Paint, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match p {
            Paint::Green => "32",
            Paint::Red => "31",
            Paint::Yellow => "33",
            Paint::Magenta => "35",
            Paint::Bold => "1",
            Paint::Dim => "2",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }

    /// One line of output. Names and values come from assemblies (a pull
    /// request's): control characters are escaped, so a value cannot start
    /// a line, move the cursor or set the title; only the renderer's own
    /// colours pass; and a value of any length stays readable.
    fn line(&mut self, s: &str) {
        let s = crate::untrusted::inert_keeping_sgr(s, self.color);
        self.buf.push_str(&crate::untrusted::elide(&s));
        self.buf.push('\n');
    }
}

fn resource_paint(a: ResourceAction) -> (Paint, &'static str) {
    match a {
        ResourceAction::Add => (Paint::Green, "[+]"),
        ResourceAction::Remove => (Paint::Red, "[-]"),
        ResourceAction::Update => (Paint::Yellow, "[~]"),
        ResourceAction::Replace => (Paint::Magenta, "[!]"),
        ResourceAction::MayReplace => (Paint::Magenta, "[?]"),
        ResourceAction::Move => (Paint::Bold, "[>]"),
    }
}

fn object_paint(a: ObjectAction) -> (Paint, &'static str) {
    match a {
        ObjectAction::Add => (Paint::Green, "[+]"),
        ObjectAction::Remove => (Paint::Red, "[-]"),
        ObjectAction::Update => (Paint::Yellow, "[~]"),
        ObjectAction::Recreate => (Paint::Magenta, "[!]"),
    }
}

fn direction_paint(d: Direction) -> Paint {
    match d {
        Direction::Widens => Paint::Red,
        Direction::MayWiden => Paint::Yellow,
        Direction::Narrows => Paint::Green,
    }
}

/// The plan as terminal text; `color` adds ANSI colours.
pub fn text(plan: &Plan, color: bool) -> String {
    let mut o = Out {
        color,
        buf: String::new(),
    };
    header(&mut o, plan);
    // Replacements and retained resources first, then the security section:
    // what a reviewer must not miss comes before the details.
    warnings(&mut o, plan);
    security(&mut o, plan);
    let unchanged = stacks(&mut o, plan);
    let unchanged_clusters = clusters(&mut o, plan);
    unchanged_lists(&mut o, &unchanged, &unchanged_clusters);
    o.buf
}

/// The title, the summary and the plan's notes.
fn header(o: &mut Out, plan: &Plan) {
    let title = o.paint(Paint::Bold, "meshsynth diff");
    o.line(&format!("{title} against {}", plan.baseline));
    o.line("");
    for l in summary_lines(&plan.summary) {
        o.line(&l);
    }
    for n in &plan.notes {
        o.line(&format!("note: {n}"));
    }
}

/// Replacements, resources whose removal keeps or loses data, and objects
/// kubectl must recreate.
fn warnings(o: &mut Out, plan: &Plan) {
    let mut warnings = Vec::new();
    for s in &plan.stacks {
        for r in &s.resources {
            if matches!(
                r.action,
                ResourceAction::Replace | ResourceAction::MayReplace
            ) {
                let mut w = format!(
                    "{}: stack {} / {} ({})",
                    action_word(r.action),
                    s.name,
                    r.logical_id,
                    r.resource_type
                );
                if let Some(reason) = &r.reason {
                    w.push_str(&format!(": {reason}"));
                }
                if let Some(n) = fate_note(r) {
                    w.push_str(&format!(" [{n}]"));
                }
                warnings.push((Paint::Magenta, w));
            } else if r.action == ResourceAction::Remove {
                if let Some(n) = fate_note(r) {
                    warnings.push((
                        Paint::Yellow,
                        format!(
                            "remove: stack {} / {} ({}) [{n}]",
                            s.name, r.logical_id, r.resource_type
                        ),
                    ));
                }
            }
        }
    }
    for c in &plan.clusters {
        for ob in &c.objects {
            if ob.action == ObjectAction::Recreate {
                let fields: Vec<&str> = ob
                    .changes
                    .iter()
                    .filter(|x| x.forces_replacement)
                    .map(|x| x.path.as_str())
                    .collect();
                warnings.push((
                    Paint::Magenta,
                    format!(
                        "recreate: cluster {} / {}: immutable field(s) {} changed (kubectl apply will be refused)",
                        c.name,
                        ob.object,
                        fields.join(", ")
                    ),
                ));
            }
        }
    }
    if !warnings.is_empty() {
        o.line("");
        let h = o.paint(Paint::Bold, "Warnings");
        o.line(&h);
        for (p, w) in warnings {
            let bang = o.paint(p, "!");
            o.line(&format!("  {bang} {w}"));
        }
    }
}

/// Every change that widens or narrows access, with its direction.
fn security(o: &mut Out, plan: &Plan) {
    if !plan.security.is_empty() {
        o.line("");
        let h = o.paint(Paint::Bold, "Security changes");
        o.line(&h);
        for sc in &plan.security {
            let d = o.paint(
                direction_paint(sc.direction),
                &format!("{:<9}", direction_word(sc.direction)),
            );
            o.line(&format!(
                "  {d} {} {} ({}): {}",
                op_word(sc.op),
                location(sc),
                category_word(sc.category),
                sc.description
            ));
        }
    }
}

/// Each changed stack with its resources; returns the unchanged ones' names.
fn stacks<'p>(o: &mut Out, plan: &'p Plan) -> Vec<&'p str> {
    let mut unchanged = Vec::new();
    for s in &plan.stacks {
        if s.status == Status::Unchanged {
            unchanged.push(s.name.as_str());
            continue;
        }
        o.line("");
        let h = o.paint(Paint::Bold, &format!("Stack {}", s.name));
        o.line(&format!(
            "{h} ({}: {})",
            status_word(s.status),
            stack_counts(s)
        ));
        for r in &s.resources {
            let (p, tag) = resource_paint(r.action);
            let tag = o.paint(p, tag);
            let mut head = format!("  {tag} {} {}", r.resource_type, r.logical_id);
            match (&r.renamed_from, &r.moved_from_stack, r.action) {
                (Some(from), Some(stack), ResourceAction::Move) => {
                    head.push_str(&format!(" (moved from {stack}/{from})"))
                }
                (Some(from), None, ResourceAction::Move) => {
                    head.push_str(&format!(" (renamed from {from}, moved in place)"))
                }
                (Some(from), _, _) => head.push_str(&format!(" (renamed from {from}?)")),
                _ => {}
            }
            match r.action {
                ResourceAction::Replace | ResourceAction::MayReplace => {
                    let why = r.reason.as_deref().unwrap_or("");
                    head.push_str(&format!(" — {}: {why}", action_word(r.action)));
                }
                // An in-place update says why when it has a reason: what
                // it interrupts, what refuses it, what it reads that is
                // replaced.
                ResourceAction::Update => {
                    if let Some(why) = &r.reason {
                        head.push_str(&format!(" — {why}"));
                    }
                }
                _ => {}
            }
            if let Some(n) = fate_note(r) {
                head.push_str(&format!(" [{n}]"));
            }
            o.line(&head);
            for c in &r.changes {
                let mut l = format!("      {}", change_line(c, VALUE_CHARS));
                if c.forces_replacement {
                    l.push_str(&o.paint(Paint::Magenta, " (forces replacement)"));
                }
                o.line(&l);
            }
        }
        if !s.template_changes.is_empty() {
            o.line("  template:");
            for c in &s.template_changes {
                let mut l = format!("      {}", change_line(c, VALUE_CHARS));
                if c.forces_replacement {
                    l.push_str(&o.paint(Paint::Magenta, " (forces replacement)"));
                }
                o.line(&l);
            }
        }
    }
    unchanged
}

/// Each changed cluster with its objects; returns the unchanged ones' names.
fn clusters<'p>(o: &mut Out, plan: &'p Plan) -> Vec<&'p str> {
    let mut unchanged_clusters = Vec::new();
    for c in &plan.clusters {
        if c.status == Status::Unchanged {
            unchanged_clusters.push(c.name.as_str());
            continue;
        }
        o.line("");
        let h = o.paint(Paint::Bold, &format!("Cluster {}", c.name));
        o.line(&format!(
            "{h} ({}: {})",
            status_word(c.status),
            cluster_counts(c)
        ));
        for ob in &c.objects {
            let (p, tag) = object_paint(ob.action);
            let tag = o.paint(p, tag);
            let mut head = format!("  {tag} {} ({})", ob.object, ob.api_version);
            if ob.action == ObjectAction::Recreate {
                head.push_str(&format!(
                    " — {}: immutable field changed",
                    object_word(ob.action)
                ));
            }
            o.line(&head);
            for ch in &ob.changes {
                let mut l = format!("      {}", change_line(ch, VALUE_CHARS));
                if ch.forces_replacement {
                    l.push_str(&o.paint(Paint::Magenta, " (immutable)"));
                }
                o.line(&l);
            }
        }
    }
    unchanged_clusters
}

fn unchanged_lists(o: &mut Out, unchanged: &[&str], unchanged_clusters: &[&str]) {
    if !unchanged.is_empty() || !unchanged_clusters.is_empty() {
        o.line("");
    }
    if !unchanged.is_empty() {
        let l = o.paint(
            Paint::Dim,
            &format!(
                "Unchanged stacks ({}): {}",
                unchanged.len(),
                unchanged.join(", ")
            ),
        );
        o.line(&l);
    }
    if !unchanged_clusters.is_empty() {
        let l = o.paint(
            Paint::Dim,
            &format!(
                "Unchanged clusters ({}): {}",
                unchanged_clusters.len(),
                unchanged_clusters.join(", ")
            ),
        );
        o.line(&l);
    }
}
