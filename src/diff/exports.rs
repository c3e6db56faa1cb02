//! Exports in use: CloudFormation refuses to update a stack that stops
//! exporting a value another stack still imports ("Export … cannot be
//! deleted as it is in use by …"), or whose exported value changes while
//! imported (a replaced resource's id), so the plan warns before the
//! deploy fails half-way.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::cascade::targets;
use super::{ResourceAction, StackDiff};

/// A template's outputs that export under a literal name: (name, output).
fn exported(template: &Json) -> impl Iterator<Item = (&str, &Json)> {
    template
        .get("Outputs")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|o| o.values())
        .filter_map(|out| Some((out.get("Export")?.get("Name")?.as_str()?, out)))
}

/// The literal export names of a template's outputs.
fn exports(template: &Json) -> BTreeSet<&str> {
    exported(template).map(|(name, _)| name).collect()
}

/// Whether any object in `v`, at any depth, satisfies `hit`.
fn any_object(v: &Json, hit: &impl Fn(&serde_json::Map<String, Json>) -> bool) -> bool {
    match v {
        Json::Object(m) => hit(m) || m.values().any(|x| any_object(x, hit)),
        Json::Array(a) => a.iter().any(|x| any_object(x, hit)),
        _ => false,
    }
}

/// Whether `v` holds `Fn::ImportValue` of `name` anywhere.
fn imports(v: &Json, name: &str) -> bool {
    any_object(v, &|m| {
        m.get("Fn::ImportValue").and_then(Json::as_str) == Some(name)
    })
}

/// For each name a selected stack of the baseline stops providing (`names`
/// of its template, before and after), the other baseline stacks that
/// still `read` it: (stack, name, readers). `unparsed` gives the template
/// of a stack both sides hold unparsed (a `null` placeholder in the maps:
/// it provides nothing new, but it may read what another stack drops).
fn gone_but_read<'a>(
    before: &'a IndexMap<String, Json>,
    after: &'a IndexMap<String, Json>,
    unparsed: &dyn Fn(&str) -> Option<&'a Json>,
    selected: impl Fn(&str) -> bool,
    names: impl Fn(&'a Json) -> BTreeSet<&'a str>,
    read: impl Fn(&Json, &str, &str) -> bool,
) -> Vec<(&'a str, &'a str, Vec<&'a str>)> {
    let mut out = Vec::new();
    for (stack, old) in before.iter().filter(|(s, _)| selected(s)) {
        let kept = after.get(stack).map(&names).unwrap_or_default();
        for name in names(old).into_iter().filter(|n| !kept.contains(n)) {
            let readers: Vec<&str> = before
                .iter()
                .filter(|(s, t)| *s != stack && read(unparsed(s).unwrap_or(t), stack, name))
                .map(|(s, _)| s.as_str())
                .collect();
            if !readers.is_empty() {
                out.push((stack.as_str(), name, readers));
            }
        }
    }
    out
}

/// At most five names, then how many more: a platform of a hundred
/// stacks that all import the VPC is one readable note.
fn listed(names: &[&str]) -> String {
    cut(names, 5, " stacks")
}

/// The first `shown` of `items`, then "and N more" and `what`: a note
/// stays one readable line however many an assembly (from a pull request,
/// perhaps) lists.
pub(super) fn cut(items: &[&str], shown: usize, what: &str) -> String {
    let mut out = items[..items.len().min(shown)].join(", ");
    if items.len() > shown {
        out.push_str(&format!(" and {} more{what}", items.len() - shown));
    }
    out
}

/// One warning per export a selected stack stops providing while another
/// stack of the baseline imports it.
pub(super) fn removed_exports_in_use<'a>(
    before: &'a IndexMap<String, Json>,
    after: &'a IndexMap<String, Json>,
    unparsed: &dyn Fn(&str) -> Option<&'a Json>,
    selected: impl Fn(&str) -> bool,
) -> Vec<String> {
    gone_but_read(before, after, unparsed, selected, exports, |t, _, name| imports(t, name))
        .into_iter()
        .map(|(stack, name, importers)| {
            format!(
                "export in use: stack {stack} stops exporting {name}, which {} {} in the baseline; CloudFormation refuses to remove an export in use, so deploy {} without the import first",
                listed(&importers),
                if importers.len() == 1 { "imports" } else { "import" },
                if importers.len() == 1 { "that stack" } else { "those stacks" }
            )
        })
        .collect()
}

/// The output ids of a template.
fn output_ids(template: &Json) -> BTreeSet<&str> {
    template
        .get("Outputs")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|o| o.keys().map(String::as_str))
        .collect()
}

/// Whether `v` reads output `output` of stack `stack` with
/// `Fn::GetStackOutput` anywhere.
fn reads_output(v: &Json, stack: &str, output: &str) -> bool {
    any_object(v, &|m| {
        m.get("Fn::GetStackOutput").is_some_and(|g| {
            g.get("StackName").and_then(Json::as_str) == Some(stack)
                && g.get("OutputName").and_then(Json::as_str) == Some(output)
        })
    })
}

/// One warning per output a selected stack stops providing while another
/// stack of the baseline reads it across regions (`Fn::GetStackOutput`).
/// CloudFormation does not refuse the removal, as it does an export in
/// use: the reader fails at its next deploy instead, far from the change.
pub(super) fn removed_outputs_read<'a>(
    before: &'a IndexMap<String, Json>,
    after: &'a IndexMap<String, Json>,
    unparsed: &dyn Fn(&str) -> Option<&'a Json>,
    selected: impl Fn(&str) -> bool,
) -> Vec<String> {
    gone_but_read(before, after, unparsed, selected, output_ids, reads_output)
        .into_iter()
        .map(|(stack, id, readers)| {
            format!(
                "output in use: stack {stack} stops providing the output {id}, which {} {} with Fn::GetStackOutput in the baseline; CloudFormation does not stop the removal, and {} fails at its next deploy, so deploy {} without the read first",
                listed(&readers),
                if readers.len() == 1 { "reads" } else { "read" },
                if readers.len() == 1 { "that stack" } else { "each of those stacks" },
                if readers.len() == 1 { "it" } else { "them" }
            )
        })
        .collect()
}

/// One warning per export whose value reads a resource the plan replaces
/// while another stack of the baseline imports it: CloudFormation refuses
/// to change an export in use, so that stack's deploy fails. Each other
/// stack is read once, and only if its text may name such an export.
pub(super) fn changed_exports_in_use<'a>(
    stacks: &[StackDiff],
    before: &'a IndexMap<String, Json>,
    after: &'a IndexMap<String, Json>,
    unparsed: &dyn Fn(&str) -> Option<&'a Json>,
    may_mention: &dyn Fn(&str, &str) -> bool,
) -> Vec<String> {
    // (stack, export name, the replaced resource its value reads).
    let mut changing: Vec<(&str, &str, String)> = Vec::new();
    for s in stacks {
        let replaced: BTreeSet<&str> = s
            .resources
            .iter()
            .filter(|r| r.action == ResourceAction::Replace && r.renamed_from.is_none())
            .map(|r| r.logical_id.as_str())
            .collect();
        if replaced.is_empty() {
            continue;
        }
        let (Some(old), Some(new)) = (before.get(&s.name), after.get(&s.name)) else {
            continue;
        };
        let names_before = exports(old);
        for (name, value) in export_values(new) {
            if !names_before.contains(name) {
                continue;
            }
            if let Some(read) = targets(value)
                .into_iter()
                .find(|t| replaced.contains(t.as_str()))
            {
                changing.push((s.name.as_str(), name, read));
            }
        }
    }
    if changing.is_empty() {
        return Vec::new();
    }
    let mut importers: Vec<Vec<&str>> = vec![Vec::new(); changing.len()];
    for (n, t) in before {
        let wanted: Vec<usize> = (0..changing.len())
            .filter(|&i| changing[i].0 != n && may_mention(n, changing[i].1))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let mut names = BTreeSet::new();
        imported_names(unparsed(n).unwrap_or(t), &mut names);
        for i in wanted {
            if names.contains(changing[i].1) {
                importers[i].push(n.as_str());
            }
        }
    }
    changing
        .into_iter()
        .zip(importers)
        .filter(|(_, who)| !who.is_empty())
        .map(|((stack, name, target), who)| {
            format!(
                "export in use: stack {stack}'s export {name} takes a new value ({target} is replaced), and {} {} it in the baseline; CloudFormation refuses to change an export in use, so the deploy of {stack} fails: deploy {} without the import first, or keep {target} from being replaced",
                listed(&who),
                if who.len() == 1 { "imports" } else { "import" },
                if who.len() == 1 { "that stack" } else { "those stacks" },
            )
        })
        .collect()
}

/// The literal names `v` imports with `Fn::ImportValue`, at any depth.
fn imported_names<'j>(v: &'j Json, out: &mut BTreeSet<&'j str>) {
    match v {
        Json::Object(m) => {
            if let Some(name) = m.get("Fn::ImportValue").and_then(Json::as_str) {
                out.insert(name);
            }
            for x in m.values() {
                imported_names(x, out);
            }
        }
        Json::Array(a) => {
            for x in a {
                imported_names(x, out);
            }
        }
        _ => {}
    }
}

/// A template's literal export names with their values.
fn export_values(template: &Json) -> Vec<(&str, &Json)> {
    exported(template)
        .filter_map(|(name, out)| Some((name, out.get("Value")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::cfn::diff_stack;
    use serde_json::json;

    #[test]
    fn an_export_another_stack_imports_cannot_go() {
        let net = |export: bool| {
            if export {
                json!({"Outputs": {"Vpc": {"Value": "v", "Export": {"Name": "net:Vpc"}}}})
            } else {
                json!({"Resources": {}})
            }
        };
        let app = json!({"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup",
            "Properties": {"VpcId": {"Fn::ImportValue": "net:Vpc"}}}}});
        let before: IndexMap<String, Json> =
            [("net".into(), net(true)), ("app".into(), app.clone())].into();
        let gone: IndexMap<String, Json> = [("net".into(), net(false)), ("app".into(), app)].into();
        let w = removed_exports_in_use(&before, &gone, &|_| None, |_| true);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("stack net stops exporting net:Vpc, which app imports"));
        // Kept, or not selected: nothing to say.
        assert!(removed_exports_in_use(&before, &before, &|_| None, |_| true).is_empty());
        assert!(removed_exports_in_use(&before, &gone, &|_| None, |s| s != "net").is_empty());
        // Nobody imports it: removing it is fine.
        let alone: IndexMap<String, Json> = [("net".into(), net(true))].into();
        let alone_gone: IndexMap<String, Json> = [("net".into(), net(false))].into();
        assert!(removed_exports_in_use(&alone, &alone_gone, &|_| None, |_| true).is_empty());
    }

    #[test]
    fn an_output_another_region_reads_is_warned_about() {
        let net = |output: bool| {
            if output {
                json!({"Outputs": {"ExportZoneRef": {"Value": {"Ref": "Zone"}}}})
            } else {
                json!({"Resources": {}})
            }
        };
        let site = json!({"Resources": {"Www": {"Type": "AWS::Route53::RecordSet",
            "Properties": {"HostedZoneId": {"Fn::GetStackOutput": {
                "StackName": "edge", "OutputName": "ExportZoneRef", "Region": "us-east-1"}}}}}});
        let before: IndexMap<String, Json> =
            [("edge".into(), net(true)), ("site".into(), site.clone())].into();
        let gone: IndexMap<String, Json> =
            [("edge".into(), net(false)), ("site".into(), site)].into();
        let w = removed_outputs_read(&before, &gone, &|_| None, |_| true);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("stack edge stops providing the output ExportZoneRef, which site reads with Fn::GetStackOutput"));
        assert!(removed_outputs_read(&before, &before, &|_| None, |_| true).is_empty());
        assert!(removed_outputs_read(&before, &gone, &|_| None, |s| s != "edge").is_empty());
    }

    #[test]
    fn a_long_list_of_importers_is_cut() {
        assert_eq!(listed(&["a", "b"]), "a, b");
        assert_eq!(
            listed(&["a", "b", "c", "d", "e", "f", "g"]),
            "a, b, c, d, e and 2 more stacks"
        );
    }

    #[test]
    fn an_export_in_use_that_takes_a_new_value_is_warned_about() {
        let net = |cidr: &str| {
            json!({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}}},
                "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}, "Export": {"Name": "net:Vpc"}}}})
        };
        let app = json!({"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "app", "VpcId": {"Fn::ImportValue": "net:Vpc"}}}}});
        let before: IndexMap<String, Json> = [
            ("net".into(), net("10.0.0.0/16")),
            ("app".into(), app.clone()),
        ]
        .into();
        let after: IndexMap<String, Json> =
            [("net".into(), net("10.1.0.0/16")), ("app".into(), app)].into();
        let lookup = crate::aws::cfn::create_only_properties;
        let stacks: Vec<StackDiff> = ["net", "app"]
            .iter()
            .map(|s| diff_stack(s, before.get(*s), after.get(*s), lookup, &mut Vec::new()))
            .collect();
        let w = changed_exports_in_use(&stacks, &before, &after, &|_| None, &|_, _| true);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("export in use: stack net's export net:Vpc takes a new value (Vpc is replaced), and app imports it in the baseline"),
            "{}",
            w[0]
        );
        // No importer, or no replacement: nothing to say.
        let alone: IndexMap<String, Json> = [("net".into(), net("10.0.0.0/16"))].into();
        assert!(
            changed_exports_in_use(&stacks, &alone, &after, &|_| None, &|_, _| true).is_empty()
        );
        let same: Vec<StackDiff> = ["net", "app"]
            .iter()
            .map(|s| diff_stack(s, before.get(*s), before.get(*s), lookup, &mut Vec::new()))
            .collect();
        assert!(
            changed_exports_in_use(&same, &before, &before, &|_| None, &|_, _| true).is_empty()
        );
    }
}
